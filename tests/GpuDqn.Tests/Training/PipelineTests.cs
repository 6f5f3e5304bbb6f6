using GpuDqn.Nn;
using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Training;

/// <summary>The whole pipeline on ILGPU kernels: train a few hundred steps on ilgpu-cpu,
/// checkpoint, reload the checkpoint into a fresh model, evaluate it.</summary>
public class PipelineTests
{
    [Theory]
    [InlineData(Algo.Vdqn)]
    [InlineData(Algo.Tdqn)]
    [InlineData(Algo.Ddqn)]
    public void Trains_checkpoints_reloads_and_evaluates_on_ilgpu_cpu(Algo algo)
    {
        var dev = TestDevices.Get("ilgpu-cpu");
        string dir = Path.Combine(Path.GetTempPath(), "gpudqn-pipeline-" + Guid.NewGuid().ToString("N"));
        var cfg = new TrainConfig
        {
            Algo = algo, Device = "ilgpu-cpu", Seed = 3, TotalSteps = 400, NumEnvs = 4, LearningStarts = 100,
            BufferSize = 400, BatchSize = 16, TrainFrequency = 4, TargetUpdateInterval = 100, EvalEvery = 0,
            EvalEpisodes = 3, LogEvery = 200, RunDir = dir, NSteps = 3, Hidden = [16, 16],
        };
        var result = new Trainer(cfg).Run(dev);
        Assert.Equal(400, result.Steps);
        string ckpt = Path.Combine(dir, "checkpoint.safetensors");
        Assert.True(File.Exists(ckpt));
        Assert.True(File.Exists(Path.Combine(dir, "config.json")));
        var metrics = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(RunLog.MetricsHeader, metrics[0]);
        Assert.Contains(metrics, l => l.Contains(",eval,"));

        var loaded = Checkpoint.Load(ckpt, EnvFactory.NetworkFor);
        Assert.Equal(cfg.ToJson(), loaded.Config.ToJson());
        var model = new Model(EnvFactory.NetworkFor(loaded.Config), dev, 0);
        model.Parameters.Upload(loaded.Parameters);
        var again = Evaluator.Run(loaded.Config, model, 3, 0f, cfg.Seed + 1_000_003);
        // The reloaded weights play exactly the episodes the trained ones played.
        Assert.Equal(result.FinalEval!.MeanReturn, again.MeanReturn);
        Assert.Equal(result.FinalEval.MeanLength, again.MeanLength);
        Directory.Delete(dir, recursive: true);
    }
}
