using GpuDqn.Engine;
using GpuDqn.Envs;
using GpuDqn.Training;

namespace GpuDqn.Examples;

/// <summary>A corridor of 8 cells: start at cell 2, action 1 moves right, 0 left. The right
/// end gives +1 and ends the episode; after 30 steps the episode is truncated.</summary>
public sealed class Corridor : IEnvironment
{
    private int position, steps;
    public int[] ObservationShape => [8];
    public int NumActions => 2;

    public float[] Reset(int? seed = null)
    {
        (position, steps) = (2, 0);
        return Observe();
    }

    public StepResult Step(int action)
    {
        position = Math.Clamp(position + (action == 1 ? 1 : -1), 0, 7);
        steps++;
        bool goal = position == 7;
        return new StepResult(Observe(), goal ? 1f : 0f, Terminated: goal, Truncated: !goal && steps == 30);
    }

    private float[] Observe()
    {
        var obs = new float[8];
        obs[position] = 1f;   // one-hot position
        return obs;
    }
}

public static class CorridorExample
{
    /// <summary>Trains Double DQN on the corridor and returns the greedy evaluation.</summary>
    public static EvalResult Train(string device = "auto", long steps = 4_000)
    {
        EnvFactory.Register("corridor", _ => new Corridor());
        var config = new TrainConfig
        {
            Env = "corridor", Algo = Algo.Ddqn, TotalSteps = steps, NumEnvs = 4,
            BufferSize = 4_000, BatchSize = 32, LearningStarts = 500, Hidden = [32],
            LearningRate = 1e-3f, TrainFrequency = 4, GradientSteps = 2, ExplorationFraction = 0.5f,
            TargetUpdateInterval = 100, EvalEvery = 0, EvalEpisodes = 8,
            RunRoot = Path.Combine(Path.GetTempPath(), "gpudqn-runs"),
        };
        using var dev = Device.Create(device);
        var result = new Trainer(config, Console.Out).Run(dev);
        return result.FinalEval!;
    }
}
