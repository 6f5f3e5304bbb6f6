using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// A ring-buffer replay memory in device memory for <see cref="NumEnvs"/> vectorized
/// environments. Each <see cref="Add"/> stores one time step of every environment:
/// transition (t, e) lives in slot <c>(t mod T)·E + e</c>, T = capacity / E rows, so each
/// environment's consecutive steps are one row apart and n-step returns can follow them.
/// <para>
/// <see cref="Sample(ReplayBatch, ulong, ulong, int, float)"/> draws, in ONE kernel, for batch
/// row b a slot uniformly from the <see cref="Count"/> stored transitions:
/// <c>slot_b = CounterRng.Below(seed, b | StreamTag, step, Count)</c>. From slot (t0, e) it follows
/// the same environment for k = 1..n transitions and returns
/// <code>
///   R_b        = Σ_{j&lt;k} γ^j · r_{t0+j}
///   discount_b = γ^k · (1 - terminated_{t0+k-1})        (the bootstrap factor for max Q(s'))
///   nextObs_b  = next_obs_{t0+k-1}
/// </code>
/// where k stops early at the first transition that is terminated or truncated (its reward is
/// included; a truncated one bootstraps from its own next_obs with γ^k, a terminated one gets
/// discount 0), and at the newest stored row (never reading unwritten or overwritten slots:
/// the transitions after t0 are newer than t0, hence still stored). Obs/action are those of slot_b.
/// </para>
/// </summary>
public sealed class ReplayBuffer
{
    public const ulong StreamTag = 0x5EA1UL << 40;

    public Device Device { get; }
    /// <summary>Transitions the buffer holds when full: <see cref="RowsPerEnv"/> · <see cref="NumEnvs"/>.</summary>
    public int Capacity { get; }
    public int ObsDim { get; }
    public int NumEnvs { get; }
    /// <summary>T: time steps kept per environment.</summary>
    public int RowsPerEnv { get; }
    /// <summary>Number of <see cref="Add"/> calls since construction or <see cref="Clear"/>.</summary>
    public long Steps { get; private set; }
    /// <summary>Time steps (rows) stored: min(Steps, T).</summary>
    public int Rows => (int)Math.Min(Steps, RowsPerEnv);
    /// <summary>Transitions stored: Rows · NumEnvs. Samples are uniform over these.</summary>
    public int Count => Rows * NumEnvs;
    /// <summary>The physical row of the newest step, or -1 when empty.</summary>
    public int NewestRow => Steps == 0 ? -1 : (int)((Steps - 1) % RowsPerEnv);

    /// <summary>Storage [capacity, obsDim], indexed by slot (see the class summary).</summary>
    public Tensor<float> Obs { get; }
    public Tensor<int> Actions { get; }
    public Tensor<float> Rewards { get; }
    public Tensor<byte> Terminated { get; }
    public Tensor<byte> Truncated { get; }
    public Tensor<float> NextObs { get; }

    public ReplayBuffer(Device device, int capacity, int obsDim, int numEnvs)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (numEnvs < 1) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "numEnvs must be >= 1");
        if (obsDim < 1) throw new ArgumentOutOfRangeException(nameof(obsDim), obsDim, "obsDim must be >= 1");
        if (capacity < numEnvs || capacity % numEnvs != 0)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity must be a positive multiple of numEnvs ({numEnvs})");
        if ((long)capacity * obsDim > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"capacity x obsDim = {(long)capacity * obsDim} exceeds {int.MaxValue} elements");
        Device = device;
        Capacity = capacity;
        ObsDim = obsDim;
        NumEnvs = numEnvs;
        RowsPerEnv = capacity / numEnvs;
        Obs = device.Zeros<float>(capacity, obsDim);
        NextObs = device.Zeros<float>(capacity, obsDim);
        Actions = device.Zeros<int>(capacity);
        Rewards = device.Zeros<float>(capacity);
        Terminated = device.Zeros<byte>(capacity);
        Truncated = device.Zeros<byte>(capacity);
    }

    /// <summary>Forgets every stored transition (the memory is reused, not cleared).</summary>
    public void Clear() => Steps = 0;

    /// <summary>
    /// Stores one step of every environment (one kernel on ILGPU devices): obs [E, obsDim],
    /// actions [E], rewards [E], terminated [E], truncated [E] (0/1), nextObs [E, obsDim] (the
    /// true s', i.e. the final observation when the episode ended, not the reset state).
    /// </summary>
    public void Add(Tensor<float> obs, Tensor<int> actions, Tensor<float> rewards, Tensor<byte> terminated, Tensor<byte> truncated, Tensor<float> nextObs)
    {
        ArgumentNullException.ThrowIfNull(obs);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(rewards);
        ArgumentNullException.ThrowIfNull(terminated);
        ArgumentNullException.ThrowIfNull(truncated);
        ArgumentNullException.ThrowIfNull(nextObs);
        int e = NumEnvs, d = ObsDim;
        CheckRows(obs, nameof(obs), e, d);
        CheckRows(nextObs, nameof(nextObs), e, d);
        Check.Shape(actions, nameof(actions), e);
        Check.Shape(rewards, nameof(rewards), e);
        Check.Shape(terminated, nameof(terminated), e);
        Check.Shape(truncated, nameof(truncated), e);
        Check.SameDevice(Device, obs, actions, rewards, terminated, truncated, nextObs);
        int row = (int)(Steps % RowsPerEnv);
        if (Device is IlgpuDevice g)
            ReplayKernel.Add(g, this, obs, actions, rewards, terminated, truncated, nextObs, row);
        else
        {
            int s = row * e;
            obs.Span.CopyTo(Obs.Span.Slice(s * d, e * d));
            nextObs.Span.CopyTo(NextObs.Span.Slice(s * d, e * d));
            actions.Span.CopyTo(Actions.Span.Slice(s, e));
            rewards.Span.CopyTo(Rewards.Span.Slice(s, e));
            terminated.Span.CopyTo(Terminated.Span.Slice(s, e));
            truncated.Span.CopyTo(Truncated.Span.Slice(s, e));
        }
        Steps++;
    }

    /// <summary>Samples into a new batch (allocates; reuse a <see cref="ReplayBatch"/> in training loops).</summary>
    public ReplayBatch Sample(int batchSize, ulong seed, ulong step, int n, float gamma)
    {
        CheckBatch(batchSize);
        var batch = new ReplayBatch(Device, batchSize, ObsDim);
        Sample(batch, seed, step, n, gamma);
        return batch;
    }

    /// <summary>
    /// Samples batch.Size transitions (uniform, with replacement, over the <see cref="Count"/>
    /// stored) with their n-step returns into <paramref name="batch"/>, in one kernel launch.
    /// The draw is a pure function of (seed, step, batch row, Count).
    /// </summary>
    public void Sample(ReplayBatch batch, ulong seed, ulong step, int n, float gamma)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckBatch(batch.Size);
        if (batch.ObsDim != ObsDim) throw new ArgumentException($"batch has obsDim {batch.ObsDim}, the buffer {ObsDim}", nameof(batch));
        if (!ReferenceEquals(batch.Device, Device)) throw new ArgumentException($"batch is on {batch.Device.Id}, the buffer on {Device.Id}", nameof(batch));
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "n (steps of the return) must be >= 1");
        if (!(gamma >= 0f && gamma <= 1f)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be in [0, 1]");
        var p = new ReplaySampleArgs(batch.Size, ObsDim, NumEnvs, RowsPerEnv, NewestRow, Count, n, gamma, seed, step);
        if (Device is IlgpuDevice g) ReplayKernel.Sample(g, this, batch, p);
        else ReplayHost.Sample(this, batch, p);
    }

    private void CheckBatch(int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batchSize must be >= 1");
        if (batchSize > Capacity)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize {batchSize} exceeds the replay capacity {Capacity}");
        if (Count == 0) throw new InvalidOperationException("the replay buffer is empty: Add transitions before sampling");
        if (batchSize > Count)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize {batchSize} exceeds the {Count} transitions stored so far");
    }

    private static void CheckRows(Tensor<float> t, string name, int rows, int dim)
    {
        if (t.Rank < 1 || t.Shape[0] != rows || t.Length != (long)rows * dim)
            throw new ArgumentException($"{name} has shape {Shape.Format(t.Shape)}, expected [{rows}, {dim}]", name);
    }
}

/// <summary>One sampled minibatch (device tensors, overwritten by each Sample into it).</summary>
public sealed class ReplayBatch
{
    public Device Device { get; }
    public int Size { get; }
    public int ObsDim { get; }
    /// <summary>s [B, obsDim].</summary>
    public Tensor<float> Obs { get; }
    /// <summary>a [B].</summary>
    public Tensor<int> Actions { get; }
    /// <summary>n-step return R [B].</summary>
    public Tensor<float> Returns { get; }
    /// <summary>Bootstrap factor γ^k·(1 - terminated) [B].</summary>
    public Tensor<float> Discounts { get; }
    /// <summary>s' after k steps [B, obsDim]; it directly follows <see cref="Obs"/> in memory, so
    /// a learner can run one network pass over [s; s'] as a [2B, obsDim] view.</summary>
    public Tensor<float> NextObs { get; }
    /// <summary>The sampled slot [B] (for tests and prioritisation).</summary>
    public Tensor<int> Indices { get; }
    /// <summary>k, the transitions the return spans [B] (1..n).</summary>
    public Tensor<int> StepCounts { get; }

    public ReplayBatch(Device device, int size, int obsDim)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "size must be >= 1");
        if (obsDim < 1) throw new ArgumentOutOfRangeException(nameof(obsDim), obsDim, "obsDim must be >= 1");
        Device = device;
        Size = size;
        ObsDim = obsDim;
        var both = device.Zeros<float>(2 * size, obsDim);
        Obs = both.Rows(0, size);
        NextObs = both.Rows(size, size);
        Actions = device.Zeros<int>(size);
        Returns = device.Zeros<float>(size);
        Discounts = device.Zeros<float>(size);
        Indices = device.Zeros<int>(size);
        StepCounts = device.Zeros<int>(size);
    }
}

internal readonly struct ReplaySampleArgs(int batch, int obsDim, int envs, int rows, int newestRow, int count, int n, float gamma, ulong seed, ulong step)
{
    public readonly int B = batch, D = obsDim, E = envs, T = rows, NewestRow = newestRow, Count = count, N = n;
    public readonly float Gamma = gamma;
    public readonly ulong Seed = seed, Step = step;
}

/// <summary>The sampling math shared by the kernel and the host loop.</summary>
internal static class ReplayCore
{
    /// <summary>The slot batch row b draws.</summary>
    public static int Slot(int b, ReplaySampleArgs p) =>
        CounterRng.Below(p.Seed, (ulong)(uint)b | ReplayBuffer.StreamTag, p.Step, p.Count);

    /// <summary>Follows slot's environment for up to N transitions; returns the last slot used.</summary>
    public static int Chain<TF, TB>(TF rewards, TB terminated, TB truncated, int slot, ReplaySampleArgs p,
        out float ret, out float discount, out int k)
        where TF : struct, IMem<float> where TB : struct, IMem<byte>
    {
        int row = slot / p.E, env = slot - row * p.E;
        int s = slot;
        float r = 0f, g = 1f;
        int j = 0;
        while (true)
        {
            r += g * rewards.Get(s);
            g *= p.Gamma;
            j++;
            if (terminated.Get(s) != 0)
            {
                g = 0f;
                break;
            }
            if (truncated.Get(s) != 0 || j >= p.N || row == p.NewestRow) break;
            row = row + 1 == p.T ? 0 : row + 1;
            s = row * p.E + env;
        }
        ret = r;
        discount = g;
        k = j;
        return s;
    }
}
