using GpuDqn.Envs;
using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Envs;

/// <summary>What HostVectorEnv and EnvFactory.Register do with a user environment that breaks its contract.</summary>
public class HostVectorEnvInputTests
{
    /// <summary>Returns the given observations and reward; ends its episode after <c>EpisodeLength</c> steps.</summary>
    private sealed class Scripted(int actions = 2, int[]? shape = null) : IEnvironment
    {
        public int[] ObservationShape { get; } = shape ?? [2];
        public int NumActions { get; } = actions;
        public Func<float[]?> OnReset { get; init; } = () => [0f, 1f];
        public Func<float[]?> OnStep { get; init; } = () => [1f, 0f];
        public float Reward { get; init; } = 1f;
        public int EpisodeLength { get; init; } = int.MaxValue;
        private int t;

        public float[] Reset(int? seed = null)
        {
            t = 0;
            return OnReset()!;
        }

        public StepResult Step(int action) => new(OnStep()!, Reward, ++t >= EpisodeLength, false);
    }

    private static HostVectorEnv Make(Func<int, IEnvironment> factory, int n = 3) => new(TestDevices.Get("cpu"), factory, n);

    private static void StepOnce(HostVectorEnv env) => env.Step(TestDevices.Get("cpu").FromArray(new int[env.NumEnvs], env.NumEnvs));

    [Fact]
    public void Environments_that_disagree_on_the_number_of_actions_are_refused_naming_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Make(i => new Scripted(actions: i == 2 ? 5 : 2)));
        Assert.Equal("factory", e.ParamName);
        Assert.Contains("environment 2 reports 5 actions but environment 0 reports 2", e.Message);
    }

    [Fact]
    public void Environments_that_disagree_on_the_observation_shape_are_refused_naming_both()
    {
        var e = Assert.Throws<ArgumentException>(() => Make(i => new Scripted(shape: i == 1 ? [1, 2] : [2])));
        Assert.Contains("environment 1 reports observation shape [1, 2] but environment 0 reports [2]", e.Message);
    }

    [Fact]
    public void Equal_shapes_in_separate_arrays_are_accepted()
    {
        using var env = Make(_ => new Scripted(shape: [2]));
        Assert.Equal([2], env.ObservationShape);
        Assert.Equal(2, env.NumActions);
    }

    [Fact]
    public void A_factory_that_returns_null_is_named_with_the_environment_index()
    {
        var e = Assert.Throws<ArgumentException>(() => Make(i => i == 1 ? null! : new Scripted()));
        Assert.Equal("factory", e.ParamName);
        Assert.Contains("returned null for environment 1", e.Message);
    }

    [Fact]
    public void A_nan_reward_is_refused_where_it_is_returned()
    {
        using var env = Make(i => new Scripted { Reward = i == 2 ? float.NaN : 1f });
        env.Reset(0);
        var e = Assert.Throws<ArgumentException>(() => StepOnce(env));
        Assert.Contains("environment 2 returned a reward of NaN from Step(0)", e.Message);
    }

    [Fact]
    public void An_infinite_observation_from_step_is_refused_naming_env_index_and_value()
    {
        using var env = Make(i => new Scripted { OnStep = () => i == 1 ? [0f, float.NegativeInfinity] : [0f, 0f] });
        env.Reset(0);
        var e = Assert.Throws<ArgumentException>(() => StepOnce(env));
        Assert.Contains("environment 1 returned an observation with value -Infinity at index 1 from Step", e.Message);
    }

    [Fact]
    public void A_nan_observation_from_reset_is_refused()
    {
        using var env = Make(i => new Scripted { OnReset = () => i == 0 ? [float.NaN, 0f] : [0f, 0f] });
        var e = Assert.Throws<ArgumentException>(() => env.Reset(0));
        Assert.Contains("environment 0 returned an observation with value NaN at index 0 from Reset", e.Message);
    }

    [Fact]
    public void A_nan_observation_from_the_automatic_reset_is_refused()
    {
        int resets = 0;
        using var env = Make(_ => new Scripted { EpisodeLength = 1, OnReset = () => ++resets > 1 ? [0f, float.PositiveInfinity] : [0f, 0f] }, n: 1);
        env.Reset(0);
        var e = Assert.Throws<ArgumentException>(() => StepOnce(env));
        Assert.Contains("environment 0 returned an observation with value Infinity at index 1 from Reset", e.Message);
    }

    [Fact]
    public void A_null_observation_is_named_with_the_environment_index()
    {
        using var env = Make(i => new Scripted { OnStep = () => i == 2 ? null : [0f, 0f] });
        env.Reset(0);
        var e = Assert.Throws<ArgumentException>(() => StepOnce(env));
        Assert.Contains("environment 2 returned a null observation from Step", e.Message);

        using var env2 = Make(i => new Scripted { OnReset = () => i == 1 ? null : [0f, 0f] });
        Assert.Contains("environment 1 returned a null observation from Reset", Assert.Throws<ArgumentException>(() => env2.Reset(0)).Message);
    }

    [Fact]
    public void Finite_values_still_step_and_pack_next_observations()
    {
        using var env = Make(i => new Scripted { OnStep = () => [i, -i], Reward = 0.5f });
        env.Reset(0);
        var s = env.Step(TestDevices.Get("cpu").FromArray(new int[3], 3));
        Assert.Equal([0f, 0f, 1f, -1f, 2f, -2f], s.NextObservations.ToArray());
        Assert.Equal([0f, 0f, 1f, -1f, 2f, -2f], env.Observations.ToArray());
        Assert.Equal([0.5f, 0.5f, 0.5f], s.Rewards.ToArray());
    }

    [Fact]
    public void Register_refuses_a_null_factory()
    {
        var e = Assert.Throws<ArgumentNullException>(() => EnvFactory.Register("null-factory-test", null!));
        Assert.Equal("factory", e.ParamName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Register_refuses_a_missing_id(string? id)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => EnvFactory.Register(id!, _ => new Scripted()));
        Assert.Equal("id", e.ParamName);
    }

    public static TheoryData<string> BuiltInIds() => new(EnvFactory.Ids);

    [Theory]
    [MemberData(nameof(BuiltInIds))]
    public void Register_refuses_a_built_in_id(string id)
    {
        var e = Assert.Throws<ArgumentException>(() => EnvFactory.Register(id, _ => new Scripted()));
        Assert.Equal("id", e.ParamName);
        Assert.Contains($"'{id}' is a built-in environment id", e.Message);
    }

    [Fact]
    public void CartPole_stays_the_built_in_after_a_refused_register()
    {
        Assert.ThrowsAny<ArgumentException>(() => EnvFactory.Register("CartPole-v1", _ => new Scripted()));
        using var env = EnvFactory.Create("CartPole-v1", TestDevices.Get("cpu"), 2, 0);
        Assert.IsType<CartPoleEnv>(env);
    }
}
