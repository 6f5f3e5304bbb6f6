using System.Text.Json;
using System.Text.Json.Serialization;
using GpuDqn.Kernels;

namespace GpuDqn.Training;

public enum Algo { Vdqn, Tdqn, Ddqn }
public enum OptimizerKind { Adam, Rmsprop, Sgd }
public enum LossKind { Huber, Mse }

/// <summary>
/// Every knob of a DQN run, flat and documented (CleanRL style). JSON keys and CLI flags are
/// the snake_case / kebab-case forms of the property names (total_steps, --total-steps).
/// The defaults train CartPole-v1 out of the box: they are RL Baselines3 Zoo's tuned DQN
/// settings for CartPole-v1 (bursts of 128 updates every 256 steps, a target copy every 10
/// steps), with which Double DQN reaches returns of 500 within 50,000 steps.
/// </summary>
public sealed record TrainConfig
{
    /// <summary>Environment id: CartPole-v1, minatar-breakout, ..., pixels-breakout, ...</summary>
    public string Env { get; init; } = "CartPole-v1";
    /// <summary>vdqn (no target network), tdqn (target network), ddqn (Double DQN).</summary>
    public Algo Algo { get; init; } = Algo.Ddqn;
    /// <summary>auto, cpu, ilgpu-cpu, cuda, cuda:N, opencl.</summary>
    public string Device { get; init; } = "auto";
    public int Seed { get; init; } = 1;
    /// <summary>Environment steps in total, summed over all environments.</summary>
    public long TotalSteps { get; init; } = 50_000;
    public int NumEnvs { get; init; } = 1;
    public int BufferSize { get; init; } = 100_000;
    public int BatchSize { get; init; } = 64;
    public float Gamma { get; init; } = 0.99f;
    /// <summary>n of the n-step return.</summary>
    public int NSteps { get; init; } = 1;
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    public float LearningRate { get; init; } = 2.3e-3f;
    /// <summary>Adam's or RMSProp's epsilon.</summary>
    public float OptimizerEps { get; init; } = 1e-8f;
    /// <summary>RMSProp: smoothing constant (PyTorch's alpha).</summary>
    public float RmspropAlpha { get; init; } = 0.99f;
    /// <summary>RMSProp: centered variant.</summary>
    public bool RmspropCentered { get; init; }
    /// <summary>RMSProp: DeepMind's form, epsilon inside the square root.</summary>
    public bool RmspropEpsInsideSqrt { get; init; }
    public LossKind Loss { get; init; } = LossKind.Huber;
    /// <summary>Environment steps before the first update.</summary>
    public long LearningStarts { get; init; } = 1_000;
    /// <summary>Update every this many environment steps (counted per vector step x envs).</summary>
    public int TrainFrequency { get; init; } = 256;
    public int GradientSteps { get; init; } = 128;
    /// <summary>Hard target update every this many environment steps (tdqn/ddqn, when tau = 1).</summary>
    public int TargetUpdateInterval { get; init; } = 10;
    /// <summary>Polyak factor: 1 = hard copy every interval; below 1 = soft update every training step.</summary>
    public float Tau { get; init; } = 1f;
    /// <summary>Clip gradients to this global L2 norm (0 = off).</summary>
    public float MaxGradNorm { get; init; } = 10f;
    public float EpsStart { get; init; } = 1f;
    public float EpsEnd { get; init; } = 0.04f;
    /// <summary>Fraction of total steps over which epsilon decays linearly.</summary>
    public float ExplorationFraction { get; init; } = 0.16f;
    /// <summary>Steps over which epsilon decays linearly, fixed whatever total_steps is (Dopamine's
    /// epsilon_decay_period); when above 0 it is used instead of exploration_fraction.</summary>
    public long ExplorationSteps { get; init; }
    /// <summary>Evaluate every this many environment steps (0 = only at the end).</summary>
    public long EvalEvery { get; init; } = 5_000;
    public int EvalEpisodes { get; init; } = 20;
    public float EvalEpsilon { get; init; }
    /// <summary>An evaluation episode still running after this many steps is cut there and counted with
    /// the return it has (a greedy policy can stall forever, e.g. hiding in an empty row of Asterix).</summary>
    public int EvalMaxEpisodeSteps { get; init; } = 27_000;
    /// <summary>Hidden layer widths of the MLP for vector observations.</summary>
    public int[] Hidden { get; init; } = [256, 256];
    /// <summary>Network preset: auto (MLP for vectors, MinAtar conv for 10x10 grids, Nature for pixels).</summary>
    public string Network { get; init; } = "auto";
    /// <summary>Where runs go: RunRoot/&lt;env&gt;__&lt;algo&gt;__&lt;seed&gt;__&lt;time&gt;.</summary>
    public string RunRoot { get; init; } = "runs";
    /// <summary>Exact run directory (overrides RunRoot naming when set).</summary>
    public string? RunDir { get; init; }
    /// <summary>Save a checkpoint every this many environment steps (0 = only at the end).</summary>
    public long CheckpointEvery { get; init; }
    /// <summary>Print a progress line every this many environment steps.</summary>
    public long LogEvery { get; init; } = 1_000;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a config file; an unknown key or a bad value names the problem.</summary>
    public static TrainConfig FromJsonFile(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"config file '{path}' does not exist");
        try
        {
            return JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(path), Json)
                ?? throw new ArgumentException($"config file '{path}' is empty");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"config file '{path}': {e.Message}");
        }
    }

    /// <summary>The epsilon schedule: over exploration_steps when set, else over exploration_fraction · total_steps.</summary>
    public LinearSchedule EpsilonSchedule() => ExplorationSteps > 0
        ? new LinearSchedule(EpsStart, EpsEnd, 1f, ExplorationSteps)
        : new LinearSchedule(EpsStart, EpsEnd, ExplorationFraction, TotalSteps);

    /// <summary>The most evaluation episodes a run (or <c>gpudqn eval</c>) plays: each one gets its own
    /// environment, so a mistyped count would otherwise allocate until the machine gives out.</summary>
    public const int MaxEvalEpisodes = 10_000;

    /// <summary>Throws ArgumentException naming the first bad setting.</summary>
    public TrainConfig Validate()
    {
        static void Require(bool ok, string message) { if (!ok) throw new ArgumentException(message); }
        // A config file can hold null where a value belongs.
        static void RequireName(string? value, string message) =>
            Require(!string.IsNullOrEmpty(value), $"{message}, got {(value is null ? "null" : "an empty string")}");
        RequireName(Env, "env must name an environment");
        RequireName(Device, "device must name a device (auto, cpu, ilgpu-cpu, cuda, opencl)");
        RequireName(Network, "network must be auto, mlp, minatar or nature");
        RequireName(RunRoot, "run_root must name a directory");
        Require(RunDir is null || RunDir.Length > 0, "run_dir must name a directory (or be left out), got an empty string");
        Require(Hidden is not null, "hidden must list the MLP's layer widths, e.g. [256, 256], got null");
        Require(Enum.IsDefined(Algo), $"algo must be vdqn, tdqn or ddqn, got {Algo}");
        Require(Enum.IsDefined(Optimizer), $"optimizer must be adam, rmsprop or sgd, got {Optimizer}");
        Require(Enum.IsDefined(Loss), $"loss must be huber or mse, got {Loss}");
        Require(TotalSteps > 0, $"total_steps must be positive, got {TotalSteps}");
        Require(NumEnvs > 0, $"num_envs must be positive, got {NumEnvs}");
        Require(BatchSize > 0, $"batch_size must be positive, got {BatchSize}");
        Require(BufferSize > 0, $"buffer_size must be positive, got {BufferSize}");
        Require(BatchSize <= BufferSize, $"batch_size {BatchSize} is larger than buffer_size {BufferSize}");
        Require(NSteps >= 1, $"n_steps must be >= 1, got {NSteps}");
        Require(BufferSize >= (long)NumEnvs * (NSteps + 1L), $"buffer_size {BufferSize} must hold at least (n_steps + 1) steps of all {NumEnvs} envs, {(long)NumEnvs * (NSteps + 1L)}");
        Require(Gamma is >= 0 and <= 1, $"gamma must be in [0, 1], got {Gamma}");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), $"learning_rate must be positive, got {LearningRate}");
        // 0 divides 0 by 0 on the first step wherever a gradient is exactly zero (a dead ReLU unit), and the weights turn NaN.
        Require(OptimizerEps > 0 && float.IsFinite(OptimizerEps), $"optimizer_eps must be a finite number > 0, got {OptimizerEps}");
        Require(RmspropAlpha is >= 0 and < 1, $"rmsprop_alpha must be in [0, 1), got {RmspropAlpha}");
        Require(LearningStarts >= 0, $"learning_starts must be >= 0, got {LearningStarts}");
        Require(TrainFrequency > 0, $"train_frequency must be positive, got {TrainFrequency}");
        Require(GradientSteps > 0, $"gradient_steps must be positive, got {GradientSteps}");
        Require(TargetUpdateInterval > 0, $"target_update_interval must be positive, got {TargetUpdateInterval}");
        Require(Tau is > 0 and <= 1, $"tau must be in (0, 1], got {Tau}");
        Require(MaxGradNorm >= 0 && float.IsFinite(MaxGradNorm), $"max_grad_norm must be a finite number >= 0 (0 = no clipping), got {MaxGradNorm}");
        Require(EpsStart is >= 0 and <= 1 && EpsEnd is >= 0 and <= 1, $"eps_start and eps_end must be in [0, 1], got {EpsStart} and {EpsEnd}");
        Require(ExplorationFraction is > 0 and <= 1, $"exploration_fraction must be in (0, 1], got {ExplorationFraction}");
        Require(ExplorationSteps >= 0, $"exploration_steps must be >= 0 (0 = use exploration_fraction), got {ExplorationSteps}");
        Require(EvalEvery >= 0, $"eval_every must be >= 0, got {EvalEvery}");
        Require(EvalEpisodes is > 0 and <= MaxEvalEpisodes, $"eval_episodes must be in [1, {MaxEvalEpisodes}], got {EvalEpisodes}");
        Require(EvalEpsilon is >= 0 and <= 1, $"eval_epsilon must be in [0, 1], got {EvalEpsilon}");
        Require(EvalMaxEpisodeSteps > 0, $"eval_max_episode_steps must be positive, got {EvalMaxEpisodeSteps}");
        Require(Hidden!.All(h => h > 0), $"hidden layer sizes must be positive, got [{string.Join(", ", Hidden!)}]");
        Require(CheckpointEvery >= 0, $"checkpoint_every must be >= 0 (0 = only at the end), got {CheckpointEvery}");
        Require(LogEvery > 0, $"log_every must be positive, got {LogEvery}");
        return this;
    }
}
