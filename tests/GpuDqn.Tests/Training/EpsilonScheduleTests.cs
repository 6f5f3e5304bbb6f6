using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Training;

/// <summary>The trainer's ε schedule: a fixed number of decay steps (exploration_steps) wins over a
/// fraction of the run, so a preset's decay does not change when --steps changes the run length.</summary>
public class EpsilonScheduleTests
{
    [Theory]
    [InlineData(1_000_000)]
    [InlineData(5_000_000)]
    public void Minatar_preset_decays_over_100k_steps_whatever_the_run_length(long totalSteps)
    {
        var cfg = Presets.Apply("minatar", new TrainConfig()) with { TotalSteps = totalSteps };
        var eps = cfg.EpsilonSchedule();
        Assert.Equal(1f, eps.Value(0));
        Assert.Equal(0.55f, eps.Value(50_000), 5);
        Assert.Equal(0.1f, eps.Value(100_000));
        Assert.Equal(0.1f, eps.Value(totalSteps - 1));
    }

    [Fact]
    public void Without_exploration_steps_the_fraction_of_total_steps_is_used()
    {
        var cfg = new TrainConfig { EpsStart = 1f, EpsEnd = 0f, ExplorationFraction = 0.25f, TotalSteps = 40_000 };
        var eps = cfg.EpsilonSchedule();
        Assert.Equal(0.5f, eps.Value(5_000), 5);
        Assert.Equal(0f, eps.Value(10_000));
    }

    [Fact]
    public void Negative_exploration_steps_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainConfig { ExplorationSteps = -5 }.Validate());
        Assert.Contains("exploration_steps must be >= 0", e.Message);
    }
}
