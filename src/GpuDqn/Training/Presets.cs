namespace GpuDqn.Training;

/// <summary>Named hyper-parameter sets, applied before --config and flags.</summary>
public static class Presets
{
    public static readonly string[] Names = ["cartpole", "minatar", "nature"];

    public static TrainConfig Apply(string name, TrainConfig c) => name switch
    {
        "cartpole" => new TrainConfig() with { Env = c.Env },
        // Young & Tian (2019), MinAtar's DQN: RMSProp (centered, DeepMind eps form), batch 32,
        // buffer 100k, target every 1,000, epsilon 1 -> 0.1 over 100k frames, learning starts 5,000, Huber.
        "minatar" => c with
        {
            Env = c.Env.StartsWith("minatar-", StringComparison.Ordinal) ? c.Env : "minatar-breakout",
            Algo = Algo.Tdqn, TotalSteps = 5_000_000, BufferSize = 100_000, BatchSize = 32, Gamma = 0.99f,
            Optimizer = OptimizerKind.Rmsprop, LearningRate = 2.5e-4f, RmspropAlpha = 0.95f, RmspropCentered = true,
            RmspropEpsInsideSqrt = true, OptimizerEps = 0.01f, TargetUpdateInterval = 1_000, Tau = 1f,
            EpsStart = 1f, EpsEnd = 0.1f, ExplorationSteps = 100_000, LearningStarts = 5_000,
            TrainFrequency = 1, GradientSteps = 1, Loss = LossKind.Huber, MaxGradNorm = 0, EvalEvery = 100_000, EvalEpisodes = 20,
            Network = "minatar",
        },
        // Mnih et al. (2015) network with CleanRL-style Atari settings: Adam 1e-4, batch 32, target
        // every 1,000, train every 4, epsilon -> 0.01 over 10%, buffer 1M, learning starts 80k.
        "nature" => c with
        {
            Env = c.Env.StartsWith("pixels-", StringComparison.Ordinal) ? c.Env : "pixels-breakout",
            Algo = Algo.Tdqn, TotalSteps = 10_000_000, BufferSize = 1_000_000, BatchSize = 32, Gamma = 0.99f,
            Optimizer = OptimizerKind.Adam, LearningRate = 1e-4f, OptimizerEps = 1e-4f, TargetUpdateInterval = 1_000, Tau = 1f,
            EpsStart = 1f, EpsEnd = 0.01f, ExplorationFraction = 0.1f, ExplorationSteps = 0, LearningStarts = 80_000, TrainFrequency = 4, GradientSteps = 1,
            Loss = LossKind.Huber, MaxGradNorm = 10f, EvalEvery = 250_000, EvalEpisodes = 10, Network = "nature",
        },
        _ => throw new ArgumentException($"unknown preset '{name}'; expected one of {string.Join(", ", Names)}"),
    };
}
