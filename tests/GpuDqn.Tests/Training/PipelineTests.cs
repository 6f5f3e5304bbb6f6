using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Training;

/// <summary>The whole pipeline: train a few hundred steps, checkpoint, reload the checkpoint
/// into a fresh model, evaluate it. Every algorithm on cpu; on ilgpu-cpu (every step a chain
/// of ILGPU kernel launches) once, to prove the pipeline runs on the kernels.</summary>
public class PipelineTests
{
    [Theory]
    [InlineData("cpu", Algo.Vdqn)]
    [InlineData("cpu", Algo.Tdqn)]
    [InlineData("cpu", Algo.Ddqn)]
    [InlineData("ilgpu-cpu", Algo.Ddqn)]
    public void Trains_checkpoints_reloads_and_evaluates(string device, Algo algo)
    {
        var dev = TestDevices.Get(device);
        string dir = Path.Combine(Path.GetTempPath(), "gpudqn-pipeline-" + Guid.NewGuid().ToString("N"));
        var cfg = new TrainConfig
        {
            Algo = algo, Device = device, Seed = 3, TotalSteps = 400, NumEnvs = 4, LearningStarts = 100,
            BufferSize = 400, BatchSize = 16, TrainFrequency = 16, GradientSteps = 2, TargetUpdateInterval = 100, EvalEvery = 0,
            EvalEpisodes = 3, LogEvery = 200, RunDir = dir, NSteps = 3, Hidden = [16, 16],
        };
        var result = new Trainer(cfg).Run(dev);
        Assert.Equal(400, result.Steps);
        string ckpt = Path.Combine(dir, "checkpoint.safetensors");
        Assert.True(File.Exists(ckpt));
        Assert.True(File.Exists(Path.Combine(dir, "best.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "config.json")));
        var metrics = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(RunLog.MetricsHeader, metrics[0]);
        Assert.Contains(metrics, l => l.Contains(",eval,"));

        // The reloaded weights play exactly the episodes the trained ones played.
        var loaded = ReloadedRun.AssertPlaysLikeTheFinalEvaluation(ckpt, dev, result);
        Assert.Equal(cfg.ToJson(), loaded.Config.ToJson());
        Directory.Delete(dir, recursive: true);
    }
}
