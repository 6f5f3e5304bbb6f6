using GpuDqn.Envs;
using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Training;

public class EvaluatorTests
{
    /// <summary>Pays 1 per step and never ends.</summary>
    private sealed class Endless : IEnvironment
    {
        public int[] ObservationShape => [2];
        public int NumActions => 3;
        public float[] Reset(int? seed = null) => [0f, 1f];
        public StepResult Step(int action) => new([1f, 0f], 1f, false, false);
    }

    [Fact]
    public void An_episode_that_never_ends_is_cut_at_the_step_limit_with_its_return()
    {
        EnvFactory.Register("endless-test", _ => new Endless());
        var cfg = new TrainConfig { Env = "endless-test", EvalMaxEpisodeSteps = 37 };
        var r = Evaluator.Run(cfg, null, 4, 1f, 5, TestDevices.Get("cpu"));
        Assert.Equal(4, r.Episodes);
        Assert.Equal(37.0, r.MeanReturn);
        Assert.Equal(37.0, r.MeanLength);
    }
}
