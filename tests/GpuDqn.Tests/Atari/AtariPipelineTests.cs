using GpuDqn.Kernels;
using GpuDqn.Kernels.Atari;
using Xunit;

namespace GpuDqn.Tests.Atari;

public class AtariPipelineTests
{
    private static readonly int[] WithFire = [AtariActions.Noop, AtariActions.Fire, AtariActions.Right, AtariActions.Left];
    private static readonly int[] NoFire = [AtariActions.Noop, AtariActions.Right, AtariActions.Left];
    private const int FireIndex = 1;

    private static (AtariPipeline Pipe, ScriptedAtari[] Envs) Make(string device, int n, AtariOptions options, Func<int, ScriptedAtari> env)
    {
        var envs = Enumerable.Range(0, n).Select(env).ToArray();
        return (new AtariPipeline(TestDevices.Get(device), new VecAtariEnvironment(envs), options), envs);
    }

    /// <summary>Downloads the observations: [env][slot] = the one gray level of that slot (asserting it is uniform).</summary>
    private static byte[,] Slots(AtariPipeline pipe)
    {
        var obs = pipe.Observation.ToArray();
        int depth = pipe.Options.StackDepth, px = pipe.Options.FrameSize * pipe.Options.FrameSize;
        var levels = new byte[pipe.Count, depth];
        for (int e = 0; e < pipe.Count; e++)
            for (int s = 0; s < depth; s++)
            {
                var frame = obs.AsSpan((e * depth + s) * px, px);
                levels[e, s] = frame[0];
                Assert.True(frame.IndexOfAnyExcept(frame[0]) < 0, $"env {e} slot {s} is not one uniform level");
            }
        return levels;
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Noop_reset_takes_1_to_noop_max_noops_and_resets_again_when_the_game_ends(string device)
    {
        const int n = 12;
        var options = AtariOptions.Training with { Seed = 7, FireReset = false };
        // Game 0 ends after 4 raw frames: a draw of 4 or more no-ops must reset it again.
        var (pipe, envs) = Make(device, n, options, _ => new ScriptedAtari(NoFire, g => g == 0 ? 4 : 10_000));
        pipe.Reset();
        var counts = new HashSet<int>();
        bool sawRepeat = false;
        for (int e = 0; e < n; e++)
        {
            var env = envs[e];
            Assert.All(env.Log, l => Assert.Equal(0, l.Action));
            Assert.InRange(env.T, 1, options.NoopMax);
            int firstDraw = 1 + CounterRng.Below(options.Seed, (ulong)e, 0, options.NoopMax);
            Assert.Equal(firstDraw >= 4 ? 1 : 0, env.Game);
            Assert.Equal(firstDraw >= 4 ? 4 : firstDraw, env.Log.Count(l => l.Game == 0));
            sawRepeat |= env.Game == 1;
            counts.Add(env.T);
        }
        Assert.True(sawRepeat, "no environment drew 4+ no-ops: the reset-again path was not exercised");
        Assert.True(counts.Count > 3, $"no-op counts barely vary: {string.Join(",", counts)}");
        var slots = Slots(pipe);
        for (int e = 0; e < n; e++)
        {
            Assert.Equal(envs[e].Expected, slots[e, 3]);
            for (int s = 0; s < 3; s++) Assert.Equal(0, slots[e, s]);
            Assert.True(pipe.EpisodeStarts[e]);
        }
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Fire_reset_presses_fire_only_when_the_action_set_has_it(string device)
    {
        var options = AtariOptions.Training with { Seed = 3, NoopMax = 5, Skip = 4 };
        var (pipe, envs) = Make(device, 2, options, _ => new ScriptedAtari(WithFire, _ => 10_000));
        Assert.True(pipe.UsesFireReset);
        pipe.Reset();
        foreach (var env in envs)
        {
            int noops = env.Log.Count(l => l.Action == 0);
            Assert.InRange(noops, 1, 5);
            Assert.Equal(Enumerable.Repeat(0, noops).Concat(Enumerable.Repeat(FireIndex, 4)), env.Log.Select(l => l.Action));
        }
        var (pipe2, envs2) = Make(device, 2, options, _ => new ScriptedAtari(NoFire, _ => 10_000));
        Assert.False(pipe2.UsesFireReset);
        pipe2.Reset();
        Assert.All(envs2, e => Assert.All(e.Log, l => Assert.Equal(0, l.Action)));
        var (pipe3, envs3) = Make(device, 1, options with { FireReset = false }, _ => new ScriptedAtari(WithFire, _ => 10_000));
        pipe3.Reset();
        Assert.All(envs3[0].Log, l => Assert.Equal(0, l.Action));
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Max_and_skip_sums_rewards_stops_early_and_max_pools_the_last_two_frames(string device)
    {
        var options = AtariOptions.Evaluation with { Seed = 11, NoopMax = 3, Skip = 4, FireReset = false };
        // Env e's first game ends after 9 + e raw frames; reward of frame t is t.
        var (pipe, envs) = Make(device, 3, options, e => new ScriptedAtari(NoFire, g => g == 0 ? 9 + e : 10_000, (_, t) => t));
        pipe.Reset();
        for (int step = 0; step < 4; step++)
        {
            var before = envs.Select(e => (e.Game, e.T)).ToArray();
            pipe.Step([1, 2, 1]);
            var slots = Slots(pipe);
            for (int e = 0; e < 3; e++)
            {
                var env = envs[e];
                var raw = env.Log.Where(l => l.Game == before[e].Game && l.T > before[e].T).ToList();
                Assert.All(raw, l => Assert.Equal(e == 1 ? 2 : 1, l.Action));
                float sum = raw.Sum(l => (float)l.T);
                Assert.Equal(sum, pipe.RawRewards[e]);
                Assert.Equal(sum, pipe.Rewards[e]);  // evaluation: no clipping
                bool ended = env.Game != before[e].Game;
                Assert.Equal(ended, pipe.Terminated[e]);
                Assert.Equal(ended, pipe.GameOver[e]);
                // Early stop: fewer than Skip raw frames exactly when the game ended in between.
                Assert.Equal(ended ? 9 + e - before[e].T : 4, raw.Count);
                Assert.Equal(env.Expected, slots[e, 3]);
                if (ended)
                {
                    Assert.Equal(Enumerable.Range(1, 9 + e).Sum(), pipe.FinishedGames.Single(g => g.Env == e).Score);
                }
            }
        }
        Assert.True(envs.All(e => e.Game >= 1), "every scripted game should have ended within 4 steps");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Stacks_never_cross_an_episode_start(string device)
    {
        var options = AtariOptions.Evaluation with { Seed = 5, NoopMax = 2, FireReset = false, MaxEpisodeSteps = 6 };
        // Games of different lengths; the time limit (6 agent steps) cuts the long ones.
        var (pipe, envs) = Make(device, 3, options, e => new ScriptedAtari(NoFire, g => (e + g) % 3 == 0 ? 10 : 10_000));
        pipe.Reset();
        var expected = Enumerable.Range(0, 3).Select(e => new List<byte> { 0, 0, 0, envs[e].Expected }).ToArray();
        int starts = 0, truncations = 0;
        for (int step = 0; step < 14; step++)
        {
            pipe.Step([0, 1, 2]);
            var slots = Slots(pipe);
            var startFlags = pipe.EpisodeStart.ToArray();
            for (int e = 0; e < 3; e++)
            {
                Assert.Equal(pipe.EpisodeStarts[e], startFlags[e] != 0);
                if (pipe.EpisodeStarts[e])
                {
                    starts++;
                    expected[e] = [0, 0, 0];
                }
                else expected[e].RemoveAt(0);
                expected[e].Add(envs[e].Expected);
                truncations += pipe.Truncated[e] ? 1 : 0;
                Assert.False(pipe.Terminated[e] && pipe.Truncated[e]);
                for (int s = 0; s < 4; s++) Assert.Equal(expected[e][s], slots[e, s]);
            }
        }
        Assert.True(starts >= 4, $"only {starts} episode starts");
        Assert.True(truncations >= 2, $"only {truncations} truncations");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Episodic_life_ends_the_agent_episode_but_not_the_game_and_presses_fire(string device)
    {
        var training = AtariOptions.Training with { Seed = 1, NoopMax = 1 };
        // One no-op and a FIRE step (raw frames 1..5), then a life lost at raw frame 7 (in agent step 1).
        ScriptedAtari Env(int _) => new(WithFire, _ => 10_000, lives: 3, lifeLossAt: [7, 30]);
        var (pipe, envs) = Make(device, 1, training, Env);
        pipe.Reset();
        Assert.Equal(5, envs[0].T);
        Assert.Equal(3, pipe.Lives[0]);
        pipe.Step([2]);
        Assert.True(pipe.Terminated[0]);
        Assert.False(pipe.GameOver[0]);
        Assert.Equal(0, envs[0].Game);  // the game goes on
        Assert.Equal(2, pipe.Lives[0]);
        Assert.True(pipe.EpisodeStarts[0]);
        Assert.Equal(Enumerable.Repeat(FireIndex, 4), envs[0].Log.Skip(9).Select(l => l.Action));  // FIRE after the lost life
        var slots = Slots(pipe);
        Assert.Equal(new byte[] { 0, 0, 0, envs[0].Expected }, new[] { slots[0, 0], slots[0, 1], slots[0, 2], slots[0, 3] });

        var (eval, envs2) = Make(device, 1, AtariOptions.Evaluation with { Seed = 1, NoopMax = 1 }, Env);
        eval.Reset();
        eval.Step([2]);
        Assert.False(eval.Terminated[0]);
        Assert.False(eval.EpisodeStarts[0]);
        Assert.Equal(2, eval.Lives[0]);
        Assert.Equal(9, envs2[0].T);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Clip_reward_keeps_the_sign_in_training_only(string device)
    {
        // Raw frame rewards: +3 on frames 1..4 of a step group, -7 on 5..8, 0 afterwards.
        static float R(int t) => t > 1 && t <= 5 ? 3 : t > 5 && t <= 9 ? -7 : 0;
        foreach (var (opts, clip) in new[] { (AtariOptions.Training, true), (AtariOptions.Evaluation, false) })
        {
            var (pipe, _) = Make(device, 1, opts with { NoopMax = 1, FireReset = false }, _ => new ScriptedAtari(NoFire, _ => 10_000, (_, t) => R(t)));
            pipe.Reset();
            var got = new List<(float, float)>();
            for (int i = 0; i < 3; i++)
            {
                pipe.Step([0]);
                got.Add((pipe.Rewards[0], pipe.RawRewards[0]));
            }
            Assert.Equal(new[] { 12f, -28f, 0f }, got.Select(g => g.Item2).ToArray());
            Assert.Equal(clip ? new[] { 1f, -1f, 0f } : new[] { 12f, -28f, 0f }, got.Select(g => g.Item1).ToArray());
        }
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Sticky_actions_repeat_the_previous_raw_action_deterministically(string device)
    {
        List<int> Run(ulong seed)
        {
            var (pipe, envs) = Make(device, 1, AtariOptions.Evaluation with { Seed = seed, NoopMax = 1, FireReset = false, StickyActionProbability = 0.25f },
                _ => new ScriptedAtari(NoFire, _ => 10_000));
            pipe.Reset();
            for (int i = 0; i < 20; i++) pipe.Step([i % 2 == 0 ? 1 : 2]);
            return envs[0].Log.Skip(1).Select(l => l.Action).ToList();  // after the one no-op
        }
        var a = Run(42);
        Assert.Equal(a, Run(42));
        Assert.Equal(80, a.Count);
        int sticky = 0;
        for (int i = 0; i < a.Count; i++)
        {
            int asked = (i / 4) % 2 == 0 ? 1 : 2;
            if (a[i] != asked)
            {
                sticky++;
                Assert.Equal(i == 0 ? 0 : a[i - 1], a[i]);
            }
        }
        Assert.InRange(sticky, 1, a.Count / 4);
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_clear_messages()
    {
        var dev = TestDevices.Get("cpu");
        var env = new VecAtariEnvironment([new ScriptedAtari([AtariActions.Fire, AtariActions.Left], _ => 10)]);
        var e = Assert.Throws<ArgumentException>(() => new AtariPipeline(dev, env));
        Assert.Contains("NOOP", e.Message);
        var ok = new AtariPipeline(dev, new VecAtariEnvironment([new ScriptedAtari(NoFire, _ => 10_000)]));
        Assert.Throws<InvalidOperationException>(() => ok.Step([0]));
        ok.Reset();
        Assert.Contains("outside the action set", Assert.Throws<ArgumentOutOfRangeException>(() => ok.Step([3])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AtariPipeline(dev, env, AtariOptions.Training with { Skip = 0 }));
        // A game that always ends during the no-ops: the pipeline gives up with a clear error.
        var dying = new AtariPipeline(dev, new VecAtariEnvironment([new ScriptedAtari(NoFire, _ => 1)]), AtariOptions.Training with { NoopMax = 30, Seed = 0, MaxResetAttempts = 5 });
        Assert.Contains("reset sequence", Assert.Throws<InvalidOperationException>(dying.Reset).Message);
    }
}
