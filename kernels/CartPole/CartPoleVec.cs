using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>One finished episode read back by <see cref="CartPoleVec.DrainEpisodes"/>.</summary>
public readonly record struct EpisodeRecord(int Env, int Episode, float Return, int Length);

/// <summary>
/// N CartPole-v1 environments stepped together in device memory (one kernel per
/// <see cref="Step"/>; the host device runs the same per-env code in a loop).
/// <para>
/// Step semantics per env (Gymnasium's autoreset with final observation): apply the action,
/// reward 1, terminated = out of bounds, truncated = reached 500 steps without terminating;
/// NextObs = the state after the step (the true s', also when the episode ended); if it ended,
/// the env is reset at once to the start state of its next episode, drawn by CounterRng from
/// (seed, env, per-env episode counter), and Obs = that reset state; otherwise Obs = NextObs.
/// Episode return and length accumulate on the device; each finished episode is appended to a
/// per-env ring of <see cref="LogSize"/> records, read in batches by <see cref="DrainEpisodes"/>.
/// </para>
/// </summary>
public sealed class CartPoleVec
{
    public Device Device { get; }
    public int NumEnvs { get; }
    public int ObsDim => CartPolePhysics.ObsDim;
    public int NumActions => CartPolePhysics.NumActions;
    /// <summary>Finished episodes remembered per env between drains.</summary>
    public int LogSize { get; }
    public ulong Seed { get; private set; }

    /// <summary>Device state [N, 4] (x, x_dot, theta, theta_dot) and steps [N] in the current episode (writable, e.g. for tests).</summary>
    public Tensor<float> State { get; }
    public Tensor<int> Steps { get; }
    public Tensor<float> EpisodeReturn { get; }
    public Tensor<int> EpisodeLength { get; }
    /// <summary>Per-env count of finished episodes since Reset = index of the current episode (drives the reset draws).</summary>
    public Tensor<int> Finished { get; }
    /// <summary>Ring [N, LogSize] of finished episodes' return and length; episode j of env e sits at [e, j mod LogSize].</summary>
    public Tensor<float> LogReturns { get; }
    public Tensor<int> LogLengths { get; }

    /// <summary>Outputs of the last Reset/Step: observation [N, 4] (after autoreset).</summary>
    public Tensor<float> Obs { get; }
    /// <summary>s' of the last step [N, 4]: the final observation for envs whose episode just ended.</summary>
    public Tensor<float> NextObs { get; }
    public Tensor<float> Rewards { get; }
    public Tensor<byte> Terminated { get; }
    public Tensor<byte> Truncated { get; }

    private readonly int[] drained;

    public CartPoleVec(Device device, int numEnvs, int logSize = 64)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (numEnvs < 1) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, "numEnvs must be >= 1");
        if (logSize < 1) throw new ArgumentOutOfRangeException(nameof(logSize), logSize, "logSize must be >= 1");
        Device = device;
        NumEnvs = numEnvs;
        LogSize = logSize;
        State = device.Zeros<float>(numEnvs, 4);
        Steps = device.Zeros<int>(numEnvs);
        EpisodeReturn = device.Zeros<float>(numEnvs);
        EpisodeLength = device.Zeros<int>(numEnvs);
        Finished = device.Zeros<int>(numEnvs);
        LogReturns = device.Zeros<float>(numEnvs, logSize);
        LogLengths = device.Zeros<int>(numEnvs, logSize);
        Obs = device.Zeros<float>(numEnvs, 4);
        NextObs = device.Zeros<float>(numEnvs, 4);
        Rewards = device.Zeros<float>(numEnvs);
        Terminated = device.Zeros<byte>(numEnvs);
        Truncated = device.Zeros<byte>(numEnvs);
        drained = new int[numEnvs];
    }

    /// <summary>Starts episode 0 of every env from (seed, env); clears accumulators and the episode log. Obs = start states.</summary>
    public void Reset(ulong seed)
    {
        Seed = seed;
        Array.Clear(drained);
        var t = Tensors();
        if (Device is IlgpuDevice g) CartPoleKernel.Reset(g, t, seed);
        else
        {
            var m = CartPoleHost.Mems(t);
            for (int i = 0; i < NumEnvs; i++) CartPoleCore.ResetEnv(i, m.F, m.I, m.B, m.L, seed);
        }
    }

    /// <summary>Steps every env with actions [N] (0 = left, otherwise right); see the class summary.</summary>
    public void Step(Tensor<int> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        Check.Shape(actions, nameof(actions), NumEnvs);
        Check.SameDevice(Device, actions);
        var t = Tensors();
        if (Device is IlgpuDevice g) CartPoleKernel.Step(g, t, actions, Seed);
        else CartPoleHost.Step(t, actions, Seed);
    }

    /// <summary>
    /// Reads the episodes finished since the last drain (one download of the counters and the
    /// log). Per env in episode order; envs in index order. Episodes that fell out of the ring
    /// (more than LogSize since the last drain) are counted in <paramref name="lost"/>.
    /// </summary>
    public List<EpisodeRecord> DrainEpisodes(out int lost)
    {
        var finished = Finished.ToArray();
        var rets = LogReturns.ToArray();
        var lens = LogLengths.ToArray();
        var list = new List<EpisodeRecord>();
        lost = 0;
        for (int e = 0; e < NumEnvs; e++)
        {
            int from = drained[e];
            if (finished[e] - from > LogSize)
            {
                lost += finished[e] - from - LogSize;
                from = finished[e] - LogSize;
            }
            for (int j = from; j < finished[e]; j++)
            {
                int k = e * LogSize + j % LogSize;
                list.Add(new EpisodeRecord(e, j, rets[k], lens[k]));
            }
            drained[e] = finished[e];
        }
        return list;
    }

    internal CartPoleTensors Tensors() => new(State, Steps, EpisodeReturn, EpisodeLength, Finished, LogReturns, LogLengths,
        Obs, NextObs, Rewards, Terminated, Truncated, NumEnvs, LogSize);
}

internal sealed record CartPoleTensors(Tensor<float> State, Tensor<int> Steps, Tensor<float> EpisodeReturn,
    Tensor<int> EpisodeLength, Tensor<int> Finished, Tensor<float> LogReturns, Tensor<int> LogLengths,
    Tensor<float> Obs, Tensor<float> NextObs, Tensor<float> Rewards, Tensor<byte> Terminated, Tensor<byte> Truncated, int N, int LogSize);

/// <summary>The float buffers of a CartPoleVec, for the per-env code.</summary>
internal readonly struct CartPoleF<TF>(TF state, TF epRet, TF logRet, TF obs, TF next, TF reward) where TF : struct, IMem<float>
{
    public readonly TF State = state, EpRet = epRet, LogRet = logRet, Obs = obs, Next = next, Reward = reward;
}

/// <summary>The int buffers of a CartPoleVec.</summary>
internal readonly struct CartPoleI<TI>(TI steps, TI epLen, TI finished, TI logLen) where TI : struct, IMem<int>
{
    public readonly TI Steps = steps, EpLen = epLen, Finished = finished, LogLen = logLen;
}

/// <summary>The byte buffers of a CartPoleVec.</summary>
internal readonly struct CartPoleB<TB>(TB terminated, TB truncated) where TB : struct, IMem<byte>
{
    public readonly TB Terminated = terminated, Truncated = truncated;
}

/// <summary>Per-env reset and step, shared by the kernel and the host loop.</summary>
internal static class CartPoleCore
{
    private static CartPoleState Load<TF, TI>(int i, TF state, TI steps) where TF : struct, IMem<float> where TI : struct, IMem<int>
    {
        CartPoleState s;
        s.X = state.Get(4 * i);
        s.XDot = state.Get(4 * i + 1);
        s.Theta = state.Get(4 * i + 2);
        s.ThetaDot = state.Get(4 * i + 3);
        s.Steps = steps.Get(i);
        return s;
    }

    private static void Write<TF>(TF dst, int i, CartPoleState s) where TF : struct, IMem<float>
    {
        dst.Set(4 * i, s.X);
        dst.Set(4 * i + 1, s.XDot);
        dst.Set(4 * i + 2, s.Theta);
        dst.Set(4 * i + 3, s.ThetaDot);
    }

    public static void ResetEnv<TF, TI, TB>(int i, CartPoleF<TF> f, CartPoleI<TI> n, CartPoleB<TB> b, int logSize, ulong seed)
        where TF : struct, IMem<float> where TI : struct, IMem<int> where TB : struct, IMem<byte>
    {
        var s = CartPolePhysics.Reset(seed, i, 0);
        Write(f.State, i, s);
        Write(f.Obs, i, s);
        Write(f.Next, i, s);
        n.Steps.Set(i, 0);
        n.EpLen.Set(i, 0);
        n.Finished.Set(i, 0);
        f.EpRet.Set(i, 0f);
        f.Reward.Set(i, 0f);
        b.Terminated.Set(i, 0);
        b.Truncated.Set(i, 0);
        for (int j = 0; j < logSize; j++)
        {
            f.LogRet.Set(i * logSize + j, 0f);
            n.LogLen.Set(i * logSize + j, 0);
        }
    }

    public static void StepEnv<TF, TI, TB>(int i, int action, CartPoleF<TF> f, CartPoleI<TI> n, CartPoleB<TB> b, int logSize, ulong seed)
        where TF : struct, IMem<float> where TI : struct, IMem<int> where TB : struct, IMem<byte>
    {
        var s = Load(i, f.State, n.Steps);
        bool terminated = CartPolePhysics.Step(ref s, action);
        bool truncated = !terminated && s.Steps >= CartPolePhysics.MaxEpisodeSteps;
        const float reward = 1f;
        float ret = f.EpRet.Get(i) + reward;
        int len = n.EpLen.Get(i) + 1;
        Write(f.Next, i, s);
        f.Reward.Set(i, reward);
        b.Terminated.Set(i, (byte)(terminated ? 1 : 0));
        b.Truncated.Set(i, (byte)(truncated ? 1 : 0));
        if (terminated || truncated)
        {
            int done = n.Finished.Get(i);
            int k = i * logSize + done % logSize;
            f.LogRet.Set(k, ret);
            n.LogLen.Set(k, len);
            n.Finished.Set(i, done + 1);
            s = CartPolePhysics.Reset(seed, i, done + 1);
            ret = 0f;
            len = 0;
        }
        f.EpRet.Set(i, ret);
        n.EpLen.Set(i, len);
        Write(f.State, i, s);
        n.Steps.Set(i, s.Steps);
        Write(f.Obs, i, s);
    }
}
