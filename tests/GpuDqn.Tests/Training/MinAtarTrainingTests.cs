using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Training;

/// <summary>A short end-to-end run per MinAtar game with the MinAtar preset's network and
/// optimizer: trains, checkpoints, reloads and evaluates (cpu for every game, ilgpu-cpu once).</summary>
public class MinAtarTrainingTests
{
    public static TheoryData<string, string> Runs()
    {
        var d = new TheoryData<string, string>();
        foreach (var id in GpuDqn.Kernels.MinAtar.MinAtarVec.EnvIds) d.Add("cpu", id);
        d.Add("ilgpu-cpu", "minatar-breakout");
        return d;
    }

    [Theory]
    [MemberData(nameof(Runs))]
    public void Short_run_trains_checkpoints_and_evaluates(string device, string env)
    {
        string dir = Path.Combine(Path.GetTempPath(), "gpudqn-minatar-" + Guid.NewGuid().ToString("N"));
        var cfg = Presets.Apply("minatar", new TrainConfig()) with
        {
            Env = env, Device = device, TotalSteps = 320, NumEnvs = 8, BufferSize = 320, BatchSize = 8,
            LearningStarts = 80, TrainFrequency = 32, GradientSteps = 2, TargetUpdateInterval = 80, EvalEvery = 0, EvalEpisodes = 2,
            LogEvery = 160, RunDir = dir, EvalMaxEpisodeSteps = 1_000,
        };
        var result = new Trainer(cfg).Run(TestDevices.Get(device));
        Assert.Equal(320, result.Steps);
        var loaded = Checkpoint.Load(Path.Combine(dir, "checkpoint.safetensors"), EnvFactory.NetworkFor);
        Assert.Equal(env, loaded.Config.Env);
        Assert.Equal(2, result.FinalEval!.Episodes);
        Assert.True(result.FinalEval.MeanLength > 0);
        // Training updated the weights: the checkpoint differs from the initialisation.
        var init = EnvFactory.NetworkFor(loaded.Config).InitialParameters(cfg.Seed);
        Assert.NotEqual(init, loaded.Parameters);
        Directory.Delete(dir, recursive: true);
    }
}
