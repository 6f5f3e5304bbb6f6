using GpuDqn.Engine;
using GpuDqn.Envs;
using GpuDqn.Kernels;
using GpuDqn.Kernels.FrameReplay;
using GpuDqn.Nn;

namespace GpuDqn.Training;

/// <summary>One sampled batch as <see cref="DqnLearner.Update"/> reads it (device tensors, reused every sample):
/// the target is Returns + Discounts · max_a Q'(NextObs, a).</summary>
public sealed record DqnBatch(Tensor<float> Obs, Tensor<float> NextObs, Tensor<int> Actions, Tensor<float> Returns, Tensor<float> Discounts);

/// <summary>
/// The replay memory the trainer uses: add every vector step, sample batches. Vector observations go
/// into <see cref="ReplayBuffer"/> (s and s' stored per transition); pixel environments into
/// <see cref="FrameReplayBuffer"/> (each 84 x 84 frame stored once, stacks rebuilt when sampling).
/// </summary>
public interface IReplay : IDisposable
{
    /// <summary>What <see cref="Sample"/> fills.</summary>
    DqnBatch Batch { get; }
    /// <summary>Whether enough has been stored to sample a batch.</summary>
    bool CanSample { get; }
    /// <summary>Stores the vector step that just ran: <paramref name="obs"/> is the observation the actions were taken in.</summary>
    void Add(Tensor<float> obs, Tensor<int> actions, StepTensors result);
    /// <summary>Fills <see cref="Batch"/>; the same (seed, step) gives the same batch.</summary>
    void Sample(ulong seed, ulong step);

    /// <summary>The replay for <paramref name="env"/>: frame-once for <see cref="IFrameVectorEnv"/>, otherwise per-transition.</summary>
    public static IReplay Create(TrainConfig cfg, IVectorEnv env) => env is IFrameVectorEnv f
        ? new FrameOnceReplay(cfg, f)
        : new VectorReplay(cfg, env);

    /// <summary>
    /// The device memory a run needs before anything is allocated: the replay memory exactly, plus a rough
    /// figure for the networks (online, target, gradients, two optimizer moments), their activations
    /// (acting batch and three training batches, gradients for one) and the sampled batch.
    /// Throws <see cref="InsufficientMemoryException"/> with the numbers when it does not fit the device
    /// (on cpu: the machine's memory; the frame store is chunked, so it may outgrow one .NET array).
    /// </summary>
    public static long CheckMemory(TrainConfig cfg, IVectorEnv env, Sequential net, Device device)
    {
        int obsDim = (int)Shape.Count(env.ObservationShape);
        long replay;
        string what;
        if (env is IFrameVectorEnv f)
        {
            var plan = MemoryPlan.ForFrameReplay(env.NumEnvs, cfg.BufferSize / env.NumEnvs, f.FrameSize, f.FrameSize);
            replay = plan.TotalBytes;
            what = plan.What;
        }
        else
        {
            replay = (long)cfg.BufferSize * (2L * obsDim * sizeof(float) + sizeof(int) + sizeof(float) + 2);
            what = $"replay of {cfg.BufferSize:N0} transitions of {obsDim:N0} floats";
        }
        long parameters = net.ParameterCount * sizeof(float) * 5;
        long perSample = net.Layers.Sum(l => Shape.Count(l.OutputShape)) * sizeof(float);
        // Acting on all envs; the online pass over [s; s'] (2B values and gradients); the target's pass (B).
        long activations = perSample * (env.NumEnvs + 5L * cfg.BatchSize) + 2L * cfg.BatchSize * obsDim * sizeof(float);
        long total = replay + parameters + activations;
        MemoryPlan.Check(device, total,
            $"training on {cfg.Env} ({what}: {MemoryPlan.Format(replay)}; networks and optimizer ~{MemoryPlan.Format(parameters)}; activations and batch ~{MemoryPlan.Format(activations)})");
        return total;
    }
}

/// <summary><see cref="ReplayBuffer"/> (s, a, r, terminated, truncated, s' per transition) behind <see cref="IReplay"/>.</summary>
public sealed class VectorReplay : IReplay
{
    private readonly ReplayBuffer buffer;
    private readonly ReplayBatch batch;
    private readonly int nSteps;
    private readonly float gamma;

    public VectorReplay(TrainConfig cfg, IVectorEnv env)
    {
        int obsDim = (int)Shape.Count(env.ObservationShape);
        // The replay holds whole vector steps: capacity rounds down to a multiple of num_envs.
        buffer = new ReplayBuffer(env.Device, cfg.BufferSize - cfg.BufferSize % env.NumEnvs, obsDim, env.NumEnvs);
        batch = new ReplayBatch(env.Device, cfg.BatchSize, obsDim);
        Batch = new DqnBatch(batch.Obs, batch.NextObs, batch.Actions, batch.Returns, batch.Discounts);
        (nSteps, gamma) = (cfg.NSteps, cfg.Gamma);
    }

    public ReplayBuffer Buffer => buffer;
    public DqnBatch Batch { get; }
    public bool CanSample => buffer.Count >= batch.Size;

    public void Add(Tensor<float> obs, Tensor<int> actions, StepTensors result) =>
        buffer.Add(obs, actions, result.Rewards, result.Terminated, result.Truncated, result.NextObservations);

    public void Sample(ulong seed, ulong step) => buffer.Sample(batch, seed, step, nSteps, gamma);

    public void Dispose() { }
}

/// <summary><see cref="FrameReplayBuffer"/> (each frame once) behind <see cref="IReplay"/>; reads the frames from the environment.</summary>
public sealed class FrameOnceReplay : IReplay
{
    private readonly IFrameVectorEnv env;
    private readonly FrameReplayBuffer buffer;
    private readonly FrameReplayBatch batch;
    private readonly int nSteps;
    private readonly float gamma;

    /// <summary>buffer_size entries in all: buffer_size / num_envs per environment stream.</summary>
    public FrameOnceReplay(TrainConfig cfg, IFrameVectorEnv env)
    {
        this.env = env;
        buffer = new FrameReplayBuffer(env.Device, env.NumEnvs, cfg.BufferSize / env.NumEnvs, env.FrameSize, env.FrameSize, env.StackDepth);
        batch = new FrameReplayBatch(env.Device, cfg.BatchSize, env.StackDepth, env.FrameSize, env.FrameSize);
        Batch = new DqnBatch(batch.Observations, batch.NextObservations, batch.Actions, batch.Returns, batch.Bootstrap);
        (nSteps, gamma) = (cfg.NSteps, cfg.Gamma);
    }

    public FrameReplayBuffer Buffer => buffer;
    public DqnBatch Batch { get; }
    public bool CanSample => buffer.CandidateCount(nSteps) > 0;

    /// <summary>Stores the environment's previous frame and start flag with the step's transition (<paramref name="obs"/> is not needed).</summary>
    public void Add(Tensor<float> obs, Tensor<int> actions, StepTensors result) =>
        buffer.Add(env.PreviousFrame, env.PreviousEpisodeStart, actions, result.Rewards, result.Terminated, result.Truncated);

    public void Sample(ulong seed, ulong step) => buffer.Sample(batch, nSteps, gamma, seed, step);

    public void Dispose() => buffer.Dispose();
}
