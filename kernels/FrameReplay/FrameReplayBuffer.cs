using GpuDqn.Engine;

namespace GpuDqn.Kernels.FrameReplay;

/// <summary>
/// Replay memory for pixel observations that stores every frame ONCE, in device memory, and
/// rebuilds the frame stacks when a batch is sampled.
/// <para>N environment streams advance in lockstep: each <see cref="Add(Tensor{byte}, Tensor{byte}, Tensor{int}, Tensor{float}, Tensor{byte}, Tensor{byte})"/>
/// appends one entry per stream to a ring of <see cref="CapacityPerEnv"/> entries. Entry t of a stream
/// holds the newest frame f_t of observation s_t, whether s_t starts an episode, and the transition
/// taken from it: action a_t, reward r_t, terminated_t, truncated_t. The observation s_t is the stack
/// f_{t-S+1..t}, where frames before the episode's first frame are zeros; s_{t+1} is entry t+1
/// (after an episode end entry t+1 is the next episode's first observation).</para>
/// <para>Sampling (<see cref="Sample"/>) is uniform over the valid entries of all streams: those whose
/// stack and n-step window only read retained entries, and whose own transition can be bootstrapped
/// (not truncated). The n-step return stops at an episode end: G = Σ_{i&lt;k} γ^i r_{t+i}, next obs
/// s_{t+k}, bootstrap factor γ^k·(1 − terminated). A truncation at t+j (j ≥ 1) stops the window before
/// it: k = j and the bootstrap is from s_{t+j}, the last observation whose successor is known. After a
/// termination the next observation is all zeros (its bootstrap factor is 0).</para>
/// </summary>
public sealed class FrameReplayBuffer : IDisposable
{
    /// <summary>Rejection draws per sample before the sampler falls back to a deterministic scan.</summary>
    public const int MaxDraws = 16;

    internal const byte StartFlag = 1, TerminatedFlag = 2, TruncatedFlag = 4;

    // The frames: a device tensor [N, capacity, H, W] on an ILGPU device, chunked host arrays on cpu.
    private readonly Tensor<byte>? frames;
    private readonly HostFrames? hostFrames;
    private readonly Tensor<byte> flags;
    private readonly Tensor<int> actions;
    private readonly Tensor<float> rewards;
    // Host-overload staging (actions, rewards, flags) and flag-building scratch.
    private readonly Tensor<int> stageActions;
    private readonly Tensor<float> stageRewards;
    private readonly Tensor<byte> stageTerminated, stageTruncated;

    public Device Device { get; }
    public int Envs { get; }
    public int CapacityPerEnv { get; }
    public int FrameHeight { get; }
    public int FrameWidth { get; }
    public int StackDepth { get; }
    public MemoryPlan Plan { get; }
    /// <summary>Entries added to every stream so far (the ring keeps the last <see cref="CapacityPerEnv"/>).</summary>
    public long Added { get; private set; }
    /// <summary>Entries retained per stream.</summary>
    public int Count => (int)Math.Min(Added, CapacityPerEnv);

    public FrameReplayBuffer(Device device, int envs, int capacityPerEnv, int frameHeight = 84, int frameWidth = 84, int stackDepth = 4)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (stackDepth < 1) throw new ArgumentOutOfRangeException(nameof(stackDepth), stackDepth, "stackDepth must be >= 1");
        Plan = MemoryPlan.ForFrameReplay(envs, capacityPerEnv, frameHeight, frameWidth);
        if (capacityPerEnv < stackDepth + 1)
            throw new ArgumentOutOfRangeException(nameof(capacityPerEnv), capacityPerEnv, $"capacityPerEnv must be at least stackDepth + 1 = {stackDepth + 1}");
        if ((long)envs * capacityPerEnv > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(capacityPerEnv), $"{envs} x {capacityPerEnv} entries exceed {int.MaxValue:N0} in all");
        Plan.Check(device);
        Device = device;
        Envs = envs;
        CapacityPerEnv = capacityPerEnv;
        FrameHeight = frameHeight;
        FrameWidth = frameWidth;
        StackDepth = stackDepth;
        if (device is HostDevice) hostFrames = new HostFrames((long)envs * capacityPerEnv, frameHeight * frameWidth);
        else frames = new Tensor<byte>(device.Allocate<byte>(Plan.FrameBytes), 0, envs, capacityPerEnv, frameHeight, frameWidth);
        flags = device.Zeros<byte>(envs, capacityPerEnv);
        actions = device.Zeros<int>(envs, capacityPerEnv);
        rewards = device.Zeros<float>(envs, capacityPerEnv);
        stageActions = device.Zeros<int>(envs);
        stageRewards = device.Zeros<float>(envs);
        stageTerminated = device.Zeros<byte>(envs);
        stageTruncated = device.Zeros<byte>(envs);
    }

    /// <summary>
    /// Appends one entry to every stream: frames [N, H, W] (the newest frame of the observation the
    /// actions were taken in), episodeStarts [N] (1 where that observation starts an episode), and the
    /// transition: actions [N], rewards [N], terminated [N], truncated [N] (uint8 0/1). All on this device.
    /// The very first entry of a stream always counts as an episode start.
    /// </summary>
    public void Add(Tensor<byte> frames, Tensor<byte> episodeStarts, Tensor<int> actions, Tensor<float> rewards, Tensor<byte> terminated, Tensor<byte> truncated)
    {
        Check.Shape(frames, nameof(frames), Envs, FrameHeight, FrameWidth);
        Check.Shape(episodeStarts, nameof(episodeStarts), Envs);
        Check.Shape(actions, nameof(actions), Envs);
        Check.Shape(rewards, nameof(rewards), Envs);
        Check.Shape(terminated, nameof(terminated), Envs);
        Check.Shape(truncated, nameof(truncated), Envs);
        Check.SameDevice(Device, frames, episodeStarts, actions, rewards, terminated, truncated);
        var a = new FrameReplayKernel.AddArgs(Envs, CapacityPerEnv, FrameHeight * FrameWidth, (int)(Added % CapacityPerEnv), Added == 0 ? 1 : 0);
        if (Device is IlgpuDevice d)
            FrameReplayKernel.Add(d, frames.View, episodeStarts.View, actions.View, rewards.View, terminated.View, truncated.View,
                this.frames!.View, flags.View, this.actions.View, this.rewards.View, a);
        else
            FrameReplayHost.Add(frames.Span, episodeStarts.Span, actions.Span, rewards.Span, terminated.Span, truncated.Span,
                hostFrames!, flags.Span, this.actions.Span, this.rewards.Span, a);
        Added++;
    }

    /// <summary><see cref="Add(Tensor{byte}, Tensor{byte}, Tensor{int}, Tensor{float}, Tensor{byte}, Tensor{byte})"/> with the transition given on the host.</summary>
    public void Add(Tensor<byte> frames, Tensor<byte> episodeStarts, ReadOnlySpan<int> actions, ReadOnlySpan<float> rewards, ReadOnlySpan<bool> terminated, ReadOnlySpan<bool> truncated)
    {
        if (actions.Length != Envs || rewards.Length != Envs || terminated.Length != Envs || truncated.Length != Envs)
            throw new ArgumentException($"actions, rewards, terminated and truncated need {Envs} values each; got {actions.Length}, {rewards.Length}, {terminated.Length}, {truncated.Length}");
        stageActions.Upload(actions);
        stageRewards.Upload(rewards);
        var t = new byte[Envs];
        for (int i = 0; i < Envs; i++) t[i] = terminated[i] ? (byte)1 : (byte)0;
        stageTerminated.Upload(t);
        for (int i = 0; i < Envs; i++) t[i] = truncated[i] ? (byte)1 : (byte)0;
        stageTruncated.Upload(t);
        Add(frames, episodeStarts, stageActions, stageRewards, stageTerminated, stageTruncated);
    }

    /// <summary>The first and last sampleable entry time (inclusive) of every stream for an n-step window; empty when last &lt; first.</summary>
    public (long First, long Last) ValidRange(int nStep)
    {
        if (nStep < 1) throw new ArgumentOutOfRangeException(nameof(nStep), nStep, "nStep must be >= 1");
        long first = Added <= CapacityPerEnv ? 0 : Added - CapacityPerEnv + StackDepth - 1;
        return (first, Added - 1 - nStep);
    }

    /// <summary>Entries (over all streams) that a sample of an n-step window may draw before the truncation test.</summary>
    public long CandidateCount(int nStep)
    {
        var (first, last) = ValidRange(nStep);
        return last < first ? 0 : (last - first + 1) * Envs;
    }

    /// <summary>
    /// Fills <paramref name="batch"/> with <see cref="FrameReplayBatch.Size"/> transitions drawn uniformly over
    /// the valid entries with CounterRng(seed, stream = sample index, counter from <paramref name="step"/>):
    /// the same (seed, step) gives the same batch.
    /// </summary>
    public void Sample(FrameReplayBatch batch, int nStep, float gamma, ulong seed, ulong step)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!ReferenceEquals(batch.Device, Device)) throw new ArgumentException($"batch is on {batch.Device.Id}, the replay on {Device.Id}", nameof(batch));
        if (batch.StackDepth != StackDepth || batch.FrameHeight != FrameHeight || batch.FrameWidth != FrameWidth)
            throw new ArgumentException($"batch holds {batch.StackDepth}x{batch.FrameHeight}x{batch.FrameWidth} stacks, the replay {StackDepth}x{FrameHeight}x{FrameWidth}", nameof(batch));
        if (!(gamma >= 0 && gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be in [0, 1]");
        long candidates = CandidateCount(nStep);
        if (candidates <= 0)
            throw new InvalidOperationException($"not enough entries to sample a {nStep}-step transition: {Added} added per stream, need more than {nStep + (Added > CapacityPerEnv ? StackDepth - 1 : 0)}");
        if (candidates > int.MaxValue) throw new InvalidOperationException($"{candidates:N0} candidate entries exceed {int.MaxValue:N0}");
        var (first, _) = ValidRange(nStep);
        var a = new FrameReplayKernel.SampleArgs(Envs, CapacityPerEnv, StackDepth, FrameHeight * FrameWidth, nStep, gamma,
            first, (int)(candidates / Envs), seed, step, batch.Size);
        if (Device is IlgpuDevice d)
        {
            FrameReplayKernel.Pick(d, flags.View, actions.View, rewards.View, batch.Actions.View, batch.Returns.View, batch.Bootstrap.View,
                batch.Indices.View, batch.Steps.View, batch.Sources.View, a);
            FrameReplayKernel.Gather(d, frames!.View, batch.Sources.View, batch.Observations.View, batch.NextObservations.View, a);
        }
        else
        {
            FrameReplayHost.Pick(flags, actions, rewards, batch, a);
            FrameReplayHost.Gather(hostFrames!, batch.Sources, batch.Observations, batch.NextObservations, a);
        }
    }

    public void Dispose()
    {
        frames?.Buffer.Dispose();
        foreach (var b in new IDisposable[] { flags.Buffer, actions.Buffer, rewards.Buffer, stageActions.Buffer, stageRewards.Buffer, stageTerminated.Buffer, stageTruncated.Buffer })
            b.Dispose();
    }
}

/// <summary>One sampled batch of a <see cref="FrameReplayBuffer"/>, in device memory.</summary>
public sealed class FrameReplayBatch
{
    public Device Device { get; }
    public int Size { get; }
    public int StackDepth { get; }
    public int FrameHeight { get; }
    public int FrameWidth { get; }
    /// <summary>s_t as the network input: [B, S, H, W], pixels / 255.</summary>
    public Tensor<float> Observations { get; }
    /// <summary>s_{t+k}: [B, S, H, W], pixels / 255 (zeros after a termination).</summary>
    public Tensor<float> NextObservations { get; }
    /// <summary>a_t [B].</summary>
    public Tensor<int> Actions { get; }
    /// <summary>The n-step return Σ_{i&lt;k} γ^i r_{t+i} [B].</summary>
    public Tensor<float> Returns { get; }
    /// <summary>γ^k·(1 − terminated) [B]: the target is Returns + Bootstrap · max_a Q'(NextObservations, a).</summary>
    public Tensor<float> Bootstrap { get; }
    /// <summary>The sampled entry as stream · CapacityPerEnv + ring slot [B].</summary>
    public Tensor<int> Indices { get; }
    /// <summary>k, the transitions the return sums over [B].</summary>
    public Tensor<int> Steps { get; }
    /// <summary>Frame index (stream · capacity + slot) of every stack slot of obs then next obs, −1 for zero [B, 2S].</summary>
    internal Tensor<int> Sources { get; }

    public FrameReplayBatch(Device device, int size, int stackDepth = 4, int frameHeight = 84, int frameWidth = 84)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "batch size must be >= 1");
        Device = device;
        Size = size;
        StackDepth = stackDepth;
        FrameHeight = frameHeight;
        FrameWidth = frameWidth;
        // Adjacent, so that [s; s'] is one [2B, ...] view for a network pass over both.
        var both = device.Zeros<float>(2 * size, stackDepth, frameHeight, frameWidth);
        Observations = both.Rows(0, size);
        NextObservations = both.Rows(size, size);
        Actions = device.Zeros<int>(size);
        Returns = device.Zeros<float>(size);
        Bootstrap = device.Zeros<float>(size);
        Indices = device.Zeros<int>(size);
        Steps = device.Zeros<int>(size);
        Sources = device.Zeros<int>(size, 2 * stackDepth);
    }
}
