using GpuDqn.Engine;

namespace GpuDqn.Kernels.MinAtar;

/// <summary>Wrapper options (spec §1 and §0.3).</summary>
public sealed record MinAtarOptions
{
    /// <summary>Probability of repeating the previously executed action; 0 disables sticky actions.</summary>
    public float StickyActionProb { get; init; } = 0.1f;
    /// <summary>Difficulty ramping (used by Asterix, SpaceInvaders and Seaquest).</summary>
    public bool DifficultyRamping { get; init; } = true;
    /// <summary>Use the game's minimal action set (index i means minimal_set[i]) instead of all six actions.</summary>
    public bool MinimalActionSet { get; init; }

    public static MinAtarOptions Default { get; } = new();
}

/// <summary>Episodes that finished since the last readout, summed over all environments.</summary>
/// <param name="Episodes">Finished episodes.</param>
/// <param name="ReturnSum">Sum of their returns.</param>
/// <param name="LengthSum">Sum of their lengths (steps).</param>
/// <param name="Returns">Returns of the finished episodes, environment by environment, oldest first (at most
/// <see cref="MinAtarEnvCore.Ring"/> per environment; older ones count only in the sums).</param>
/// <param name="Lengths">Lengths matching <paramref name="Returns"/>.</param>
/// <param name="Envs">The environment index of each entry of <paramref name="Returns"/>.</param>
public sealed record MinAtarEpisodeStats(int Episodes, long ReturnSum, long LengthSum, int[] Returns, int[] Lengths, int[] Envs)
{
    public double MeanReturn => Episodes == 0 ? double.NaN : (double)ReturnSum / Episodes;
    public double MeanLength => Episodes == 0 ? double.NaN : (double)LengthSum / Episodes;
}

/// <summary>
/// N environments of one MinAtar game on one <see cref="Device"/>. State, per-environment
/// random counters, sticky last actions and episode accumulators stay in device memory; one
/// <see cref="Step"/> is one kernel launch (one thread per environment) that steps, auto-resets
/// finished episodes and writes rewards, terminals and observations. On the <c>cpu</c> device
/// the same game code runs over managed arrays.
/// </summary>
public sealed class MinAtarVec : IDisposable
{
    /// <summary>The environment ids <see cref="Create"/> knows.</summary>
    public static readonly string[] EnvIds =
        ["minatar-breakout", "minatar-freeway", "minatar-asterix", "minatar-space_invaders", "minatar-seaquest"];

    /// <summary>Opens <paramref name="numEnvs"/> environments of <paramref name="envId"/> on <paramref name="device"/> (not yet reset).</summary>
    public static MinAtarVec Create(string envId, Device device, int numEnvs, MinAtarOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(envId);
        ArgumentNullException.ThrowIfNull(device);
        string id = envId.Trim().ToLowerInvariant();
        MinAtarRunner runner = id switch
        {
            "minatar-breakout" => new MinAtarRunner<Breakout>("breakout", [0, 1, 3]),
            "minatar-freeway" => new MinAtarRunner<Freeway>("freeway", [0, 2, 4]),
            "minatar-asterix" => new MinAtarRunner<Asterix>("asterix", [0, 1, 2, 3, 4]),
            "minatar-space_invaders" => new MinAtarRunner<SpaceInvaders>("space_invaders", [0, 1, 3, 5]),
            "minatar-seaquest" => new MinAtarRunner<Seaquest>("seaquest", [0, 1, 2, 3, 4, 5]),
            _ => throw new ArgumentException($"unknown MinAtar env id '{envId}'; valid ids: {string.Join(", ", EnvIds)}", nameof(envId)),
        };
        return new MinAtarVec(id, runner, device, numEnvs, options ?? MinAtarOptions.Default);
    }

    private readonly MinAtarRunner runner;
    private readonly DeviceBuffer<int> state, meta, actionMap, error;
    // Stands in for an absent observation tensor in kernel arguments (never written).
    private readonly DeviceBuffer<float> dummyObs;
    private ulong seed;
    private bool isReset;

    public string EnvId { get; }
    public Device Device { get; }
    public int NumEnvs { get; }
    public MinAtarOptions Options { get; }
    /// <summary>Actions the agent chooses from: 6, or the size of the minimal set.</summary>
    public int NumActions => ActionSet.Length;
    /// <summary>The full action index (0..5) behind each agent action index.</summary>
    public int[] ActionSet { get; }
    /// <summary>The game's minimal action set (spec §0.3).</summary>
    public int[] MinimalActionSet => (int[])runner.MinimalSet.Clone();
    /// <summary>Observation channels C: observations are [N, C, 10, 10] floats (NCHW, 0/1).</summary>
    public int Channels => runner.Channels;
    public int StateInts => runner.StateInts;
    /// <summary>Floats of one environment's observation: C × 10 × 10.</summary>
    public int ObservationSize => Channels * 100;
    public int[] ObservationShape => [NumEnvs, Channels, 10, 10];

    private MinAtarVec(string envId, MinAtarRunner runner, Device device, int numEnvs, MinAtarOptions options)
    {
        if (numEnvs < 1) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "numEnvs must be at least 1");
        if (!(options.StickyActionProb >= 0f && options.StickyActionProb <= 1f))
            throw new ArgumentOutOfRangeException(nameof(options), options.StickyActionProb, "StickyActionProb must be in [0, 1]");
        if ((long)numEnvs * Math.Max(runner.StateInts, runner.Channels * 100) > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "too many environments for 32-bit indexing");
        EnvId = envId;
        this.runner = runner;
        Device = device;
        NumEnvs = numEnvs;
        Options = options;
        ActionSet = options.MinimalActionSet ? (int[])runner.MinimalSet.Clone() : [0, 1, 2, 3, 4, 5];
        state = device.Allocate<int>((long)numEnvs * runner.StateInts);
        meta = device.Allocate<int>((long)numEnvs * MinAtarEnvCore.MetaInts);
        actionMap = device.Allocate<int>(6);
        var map = new int[6];
        ActionSet.CopyTo(map, 0);
        actionMap.CopyFromHost(map, 0);
        error = device.Allocate<int>(1);
        error.Clear();
        dummyObs = device.Allocate<float>(1);
    }

    /// <summary>
    /// Starts every environment afresh from <paramref name="seed"/>: new episodes, random
    /// counters at 0, sticky last action no-op, no statistics. Environment e draws from stream e,
    /// so the same seed gives the same trajectories on every device. Writes the first
    /// observations into <paramref name="obs"/> [N, C, 10, 10] when given.
    /// (Episode ends inside <see cref="Step"/> reset only the game and keep the last action, spec §1.)
    /// </summary>
    public void Reset(ulong seed, Tensor<float>? obs = null)
    {
        if (obs is not null) CheckObs(obs, nameof(obs));
        this.seed = seed;
        runner.Reset(this, seed, obs);
        isReset = true;
    }

    /// <summary>Writes the current observation of every environment into <paramref name="obs"/> [N, C, 10, 10].</summary>
    public void Observe(Tensor<float> obs)
    {
        EnsureReset();
        CheckObs(obs, nameof(obs));
        runner.Observe(this, obs);
    }

    /// <summary>
    /// Steps every environment with <paramref name="actions"/> [N] (agent indices 0..NumActions−1),
    /// in one launch: sticky actions, game step, auto-reset of finished episodes. Writes
    /// <paramref name="reward"/> [N], <paramref name="terminated"/> [N] (1 where the episode ended),
    /// <paramref name="obs"/> [N, C, 10, 10] (after auto-reset) and, when given,
    /// <paramref name="nextObs"/> [N, C, 10, 10]: the final observation of a finished episode,
    /// otherwise the same as obs. On the cpu device an action out of range throws before
    /// anything changes; on an ILGPU device it is stepped as no-op and reported by
    /// <see cref="ThrowIfInvalidActions"/> (also called by <see cref="ReadFinishedEpisodes"/>).
    /// </summary>
    public void Step(Tensor<int> actions, Tensor<float> reward, Tensor<byte> terminated, Tensor<float> obs, Tensor<float>? nextObs = null)
    {
        EnsureReset();
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(reward);
        ArgumentNullException.ThrowIfNull(terminated);
        Check.Shape(actions, nameof(actions), NumEnvs);
        Check.Shape(reward, nameof(reward), NumEnvs);
        Check.Shape(terminated, nameof(terminated), NumEnvs);
        CheckObs(obs, nameof(obs));
        if (nextObs is not null)
        {
            CheckObs(nextObs, nameof(nextObs));
            if (ReferenceEquals(nextObs.Buffer, obs.Buffer) && nextObs.Offset < obs.Offset + obs.Length && obs.Offset < nextObs.Offset + nextObs.Length)
                throw new ArgumentException("nextObs overlaps obs", nameof(nextObs));
        }
        Check.SameDevice(Device, actions, reward, terminated);
        if (Device is not IlgpuDevice)
        {
            foreach (int a in actions.Span)
                if ((uint)a >= (uint)NumActions)
                    throw new ArgumentOutOfRangeException(nameof(actions), a, $"actions must be in [0, {NumActions}) for {EnvId}");
        }
        runner.Step(this, actions, reward, terminated, obs, nextObs);
    }

    /// <summary>Throws if an ILGPU step saw an action out of range (stepped as no-op); clears the flag.</summary>
    public void ThrowIfInvalidActions()
    {
        var flag = new int[1];
        error.CopyToHost(flag, 0);
        if (flag[0] != 0)
        {
            error.Clear();
            throw new InvalidOperationException($"a step received an action outside [0, {NumActions}) for {EnvId}; it was executed as no-op");
        }
    }

    /// <summary>
    /// The episodes that finished since the last readout (one download of the accumulators);
    /// with <paramref name="clear"/> the accumulators restart. Episodes still running are not counted.
    /// </summary>
    public MinAtarEpisodeStats ReadFinishedEpisodes(bool clear = true)
    {
        EnsureReset();
        ThrowIfInvalidActions();
        var m = new int[(long)NumEnvs * MinAtarEnvCore.MetaInts];
        meta.CopyToHost(m, 0);
        int episodes = 0;
        long retSum = 0, lenSum = 0;
        var returns = new List<int>();
        var lengths = new List<int>();
        var envs = new List<int>();
        for (int e = 0; e < NumEnvs; e++)
        {
            int b = e * MinAtarEnvCore.MetaInts;
            int done = m[b + MinAtarEnvCore.DoneCount];
            episodes += done;
            retSum += m[b + MinAtarEnvCore.DoneReturnSum];
            lenSum += m[b + MinAtarEnvCore.DoneLengthSum];
            for (int k = Math.Max(0, done - MinAtarEnvCore.Ring); k < done; k++)
            {
                returns.Add(m[b + MinAtarEnvCore.RingReturn + k % MinAtarEnvCore.Ring]);
                lengths.Add(m[b + MinAtarEnvCore.RingLength + k % MinAtarEnvCore.Ring]);
                envs.Add(e);
            }
            if (clear)
            {
                m[b + MinAtarEnvCore.DoneCount] = 0;
                m[b + MinAtarEnvCore.DoneReturnSum] = 0;
                m[b + MinAtarEnvCore.DoneLengthSum] = 0;
            }
        }
        if (clear) meta.CopyFromHost(m, 0);
        return new MinAtarEpisodeStats(episodes, retSum, lenSum, [.. returns], [.. lengths], [.. envs]);
    }

    /// <summary>The game state ints [N × StateInts] (for tests and debugging).</summary>
    public int[] ReadState()
    {
        var s = new int[state.Length];
        state.CopyToHost(s, 0);
        return s;
    }

    /// <summary>Every environment's ramp index (Asterix, SpaceInvaders, Seaquest), or −1 where the game has none (spec §1).</summary>
    public int[] ReadRampIndices()
    {
        EnsureReset();
        return runner.RampIndices(ReadState(), NumEnvs);
    }

    /// <summary>The last executed full action (0..5) of every environment (spec §1 last_action).</summary>
    public int[] ReadLastActions() => ReadMeta(MinAtarEnvCore.LastAction);

    /// <summary>Reward sum of every environment's running episode.</summary>
    public int[] ReadEpisodeReturns() => ReadMeta(MinAtarEnvCore.EpReturn);

    /// <summary>Steps taken in every environment's running episode.</summary>
    public int[] ReadEpisodeLengths() => ReadMeta(MinAtarEnvCore.EpLength);

    /// <summary>Raw copies of the state and wrapper ints, for tests that move environments between devices.</summary>
    internal (int[] State, int[] Meta, ulong Seed) Snapshot()
    {
        var m = new int[meta.Length];
        meta.CopyToHost(m, 0);
        return (ReadState(), m, seed);
    }

    internal void Restore((int[] State, int[] Meta, ulong Seed) snapshot)
    {
        state.CopyFromHost(snapshot.State, 0);
        meta.CopyFromHost(snapshot.Meta, 0);
        seed = snapshot.Seed;
        isReset = true;
    }

    private int[] ReadMeta(int field)
    {
        var m = new int[meta.Length];
        meta.CopyToHost(m, 0);
        var r = new int[NumEnvs];
        for (int e = 0; e < NumEnvs; e++) r[e] = m[e * MinAtarEnvCore.MetaInts + field];
        return r;
    }

    private void CheckObs(Tensor<float> obs, string name)
    {
        ArgumentNullException.ThrowIfNull(obs, name);
        if (!ReferenceEquals(obs.Device, Device))
            throw new ArgumentException($"{name} is on {obs.Device.Id} but the environments are on {Device.Id}", name);
        if (obs.Length != (long)NumEnvs * ObservationSize)
            throw new ArgumentException($"{name} has shape {Engine.Shape.Format(obs.Shape)}, expected {Engine.Shape.Format(ObservationShape)} (or any shape of {NumEnvs * ObservationSize} floats)", name);
    }

    private void EnsureReset()
    {
        if (!isReset) throw new InvalidOperationException($"{EnvId}: call Reset(seed) before Step/Observe");
    }

    public void Dispose()
    {
        state.Dispose();
        meta.Dispose();
        actionMap.Dispose();
        error.Dispose();
        dummyObs.Dispose();
    }

    private abstract class MinAtarRunner(string key, int[] minimalSet)
    {
        public string Key { get; } = key;
        public int[] MinimalSet { get; } = minimalSet;
        public abstract int Channels { get; }
        public abstract int StateInts { get; }
        public abstract void Reset(MinAtarVec v, ulong seed, Tensor<float>? obs);
        public abstract int[] RampIndices(int[] state, int numEnvs);
        public abstract void Observe(MinAtarVec v, Tensor<float> obs);
        public abstract void Step(MinAtarVec v, Tensor<int> actions, Tensor<float> reward, Tensor<byte> terminated, Tensor<float> obs, Tensor<float>? nextObs);
    }

    private sealed class MinAtarRunner<TGame>(string key, int[] minimalSet) : MinAtarRunner(key, minimalSet) where TGame : struct, IMinAtarGame
    {
        public override int Channels => default(TGame).Channels;
        public override int StateInts => default(TGame).StateInts;

        public override int[] RampIndices(int[] state, int numEnvs)
        {
            var r = new int[numEnvs];
            for (int e = 0; e < numEnvs; e++) r[e] = default(TGame).RampIndex(new ArrayMemory(state, e * StateInts));
            return r;
        }

        private static int[] Ints(DeviceBuffer<int> b) => ((HostBuffer<int>)b).Array;
        private static T[] Arr<T>(Tensor<T> t) where T : unmanaged => ((HostBuffer<T>)t.Buffer).Array;

        public override void Reset(MinAtarVec v, ulong seed, Tensor<float>? obs)
        {
            if (v.Device is IlgpuDevice g)
            {
                var s = ((IlgpuBuffer<int>)v.state).View;
                var a = new MinAtarResetArgs
                {
                    State = s,
                    Meta = ((IlgpuBuffer<int>)v.meta).View,
                    Obs = obs?.View ?? ((IlgpuBuffer<float>)v.dummyObs).View,
                    NumEnvs = v.NumEnvs,
                    StateInts = StateInts,
                    ObsSize = Channels * 100,
                    WriteObs = obs is null ? 0 : 1,
                    Ramping = v.Options.DifficultyRamping ? 1 : 0,
                    Seed = seed,
                };
                MinAtarVecKernel.Reset<TGame>(g, Key, a);
            }
            else
            {
                MinAtarVecHost.Reset<TGame>(v.NumEnvs, Ints(v.state), Ints(v.meta), obs is null ? null : Arr(obs), obs?.Offset ?? 0, seed, v.Options.DifficultyRamping);
            }
        }

        public override void Observe(MinAtarVec v, Tensor<float> obs)
        {
            if (v.Device is IlgpuDevice g)
            {
                var a = new MinAtarResetArgs
                {
                    State = ((IlgpuBuffer<int>)v.state).View,
                    Meta = ((IlgpuBuffer<int>)v.meta).View,
                    Obs = obs.View,
                    NumEnvs = v.NumEnvs,
                    StateInts = StateInts,
                    ObsSize = Channels * 100,
                    WriteObs = 1,
                };
                MinAtarVecKernel.Observe<TGame>(g, Key, a);
            }
            else
            {
                MinAtarVecHost.Observe<TGame>(v.NumEnvs, Ints(v.state), Arr(obs), obs.Offset);
            }
        }

        public override void Step(MinAtarVec v, Tensor<int> actions, Tensor<float> reward, Tensor<byte> terminated, Tensor<float> obs, Tensor<float>? nextObs)
        {
            if (v.Device is IlgpuDevice g)
            {
                var a = new MinAtarStepArgs
                {
                    State = ((IlgpuBuffer<int>)v.state).View,
                    Meta = ((IlgpuBuffer<int>)v.meta).View,
                    Actions = actions.View,
                    ActionMap = ((IlgpuBuffer<int>)v.actionMap).View,
                    Error = ((IlgpuBuffer<int>)v.error).View,
                    Reward = reward.View,
                    Obs = obs.View,
                    NextObs = (nextObs ?? obs).View,
                    Terminated = terminated.View,
                    NumEnvs = v.NumEnvs,
                    NumActions = v.NumActions,
                    StateInts = StateInts,
                    ObsSize = Channels * 100,
                    WriteNext = nextObs is null ? 0 : 1,
                    Ramping = v.Options.DifficultyRamping ? 1 : 0,
                    Sticky = v.Options.StickyActionProb,
                    Seed = v.seed,
                };
                MinAtarVecKernel.Step<TGame>(g, Key, a);
            }
            else
            {
                MinAtarVecHost.Step<TGame>(v.NumEnvs, Ints(v.state), Ints(v.meta), Arr(actions), actions.Offset, Ints(v.actionMap),
                    Arr(reward), reward.Offset, Arr(terminated), terminated.Offset,
                    Arr(obs), obs.Offset, nextObs is null ? null : Arr(nextObs), nextObs?.Offset ?? 0,
                    v.seed, v.Options.StickyActionProb, v.Options.DifficultyRamping);
            }
        }
    }
}
