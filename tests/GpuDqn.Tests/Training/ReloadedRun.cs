using GpuDqn.Engine;
using GpuDqn.Nn;
using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Training;

/// <summary>A run's checkpoint, loaded into a fresh model, plays exactly the episodes of the run's final evaluation.</summary>
internal static class ReloadedRun
{
    public static Checkpoint.Loaded AssertPlaysLikeTheFinalEvaluation(string checkpoint, Device device, TrainResult result)
    {
        var loaded = Checkpoint.Load(checkpoint, EnvFactory.NetworkFor);
        var model = new Model(EnvFactory.NetworkFor(loaded.Config), device, 0);
        model.Parameters.Upload(loaded.Parameters);
        var again = Trainer.Evaluate(loaded.Config, model);
        Assert.Equal(result.FinalEval!.MeanReturn, again.MeanReturn);
        Assert.Equal(result.FinalEval.MeanLength, again.MeanLength);
        return loaded;
    }
}
