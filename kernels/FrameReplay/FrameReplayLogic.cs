using ILGPU;

namespace GpuDqn.Kernels.FrameReplay;

/// <summary>Reads a replay's per-entry metadata (host arrays or device views).</summary>
internal interface IReplayStore
{
    int Flags(int entry);
    int Action(int entry);
    float Reward(int entry);
}

/// <summary>Receives one sample's results (host arrays or device views).</summary>
internal interface IPickSink
{
    void Source(int sample, int slot, int frame);
    void Result(int sample, int action, float ret, float bootstrap, int index, int steps);
}

internal readonly struct ViewStore(ArrayView<byte> flags, ArrayView<int> actions, ArrayView<float> rewards) : IReplayStore
{
    private readonly ArrayView<byte> flags = flags;
    private readonly ArrayView<int> actions = actions;
    private readonly ArrayView<float> rewards = rewards;
    public int Flags(int entry) => flags[entry];
    public int Action(int entry) => actions[entry];
    public float Reward(int entry) => rewards[entry];
}

internal readonly struct ViewSink(ArrayView<int> actions, ArrayView<float> returns, ArrayView<float> bootstrap, ArrayView<int> indices,
    ArrayView<int> steps, ArrayView<int> sources, int slots) : IPickSink
{
    private readonly ArrayView<int> actions = actions, indices = indices, steps = steps, sources = sources;
    private readonly ArrayView<float> returns = returns, bootstrap = bootstrap;
    private readonly int slots = slots;
    public void Source(int sample, int slot, int frame) => sources[sample * slots + slot] = frame;
    public void Result(int sample, int action, float ret, float boot, int index, int k)
    {
        actions[sample] = action;
        returns[sample] = ret;
        bootstrap[sample] = boot;
        indices[sample] = index;
        steps[sample] = k;
    }
}

internal readonly struct ArrayStore(byte[] flags, int[] actions, float[] rewards) : IReplayStore
{
    private readonly byte[] flags = flags;
    private readonly int[] actions = actions;
    private readonly float[] rewards = rewards;
    public int Flags(int entry) => flags[entry];
    public int Action(int entry) => actions[entry];
    public float Reward(int entry) => rewards[entry];
}

internal readonly struct ArraySink(int[] actions, float[] returns, float[] bootstrap, int[] indices, int[] steps, int[] sources, int slots) : IPickSink
{
    private readonly int[] actions = actions, indices = indices, steps = steps, sources = sources;
    private readonly float[] returns = returns, bootstrap = bootstrap;
    private readonly int slots = slots;
    public void Source(int sample, int slot, int frame) => sources[sample * slots + slot] = frame;
    public void Result(int sample, int action, float ret, float boot, int index, int k)
    {
        actions[sample] = action;
        returns[sample] = ret;
        bootstrap[sample] = boot;
        indices[sample] = index;
        steps[sample] = k;
    }
}

/// <summary>
/// The sampling rules of <see cref="FrameReplayBuffer"/>, written once for the host loop and the
/// kernel (generic over where the memory is). Times are entry counts since the first Add; an
/// entry's storage index is stream · capacity + time mod capacity.
/// </summary>
internal static class FrameReplayLogic
{
    private static int Entry(in FrameReplayKernel.SampleArgs a, int env, long time) => env * a.Capacity + (int)(time % a.Capacity);

    /// <summary>Whether entry t's transition cannot be bootstrapped: truncated, or followed by an episode start without a recorded end.</summary>
    private static bool Cut<TStore>(TStore s, in FrameReplayKernel.SampleArgs a, int env, long t) where TStore : struct, IReplayStore
    {
        int f = s.Flags(Entry(a, env, t));
        if ((f & FrameReplayBuffer.TerminatedFlag) != 0) return false;
        return (f & FrameReplayBuffer.TruncatedFlag) != 0 || (s.Flags(Entry(a, env, t + 1)) & FrameReplayBuffer.StartFlag) != 0;
    }

    public static void Pick<TStore, TSink>(TStore s, TSink o, in FrameReplayKernel.SampleArgs a, int b)
        where TStore : struct, IReplayStore where TSink : struct, IPickSink
    {
        int total = a.Envs * a.PerEnv;
        int u = 0;
        bool found = false;
        for (int d = 0; d < FrameReplayBuffer.MaxDraws && !found; d++)
        {
            u = CounterRng.Below(a.Seed, (ulong)b, a.Step * FrameReplayBuffer.MaxDraws + (ulong)d, total);
            found = !Cut(s, a, u / a.PerEnv, a.First + u % a.PerEnv);
        }
        // Practically unreachable fallback (16 draws all hit truncations): the next valid candidate.
        for (int j = 1; j < total && !found; j++)
        {
            int v = (u + j) % total;
            if (!Cut(s, a, v / a.PerEnv, a.First + v % a.PerEnv))
            {
                u = v;
                found = true;
            }
        }
        int env = u / a.PerEnv;
        long t = a.First + u % a.PerEnv;
        if (!found)
        {
            // Every candidate is a truncation: nothing can be bootstrapped; an empty, inert sample.
            for (int c = 0; c < 2 * a.Depth; c++) o.Source(b, c, -1);
            o.Result(b, 0, 0f, 0f, -1, 0);
            return;
        }

        float ret = 0f, disc = 1f;
        int k = 0;
        bool terminal = false;
        for (int j = 0; j < a.NStep; j++)
        {
            long x = t + j;
            if (Cut(s, a, env, x)) break;
            ret += disc * s.Reward(Entry(a, env, x));
            k = j + 1;
            if ((s.Flags(Entry(a, env, x)) & FrameReplayBuffer.TerminatedFlag) != 0)
            {
                terminal = true;
                break;
            }
            disc *= a.Gamma;
        }
        Stack(s, o, a, b, 0, env, t, false);
        Stack(s, o, a, b, a.Depth, env, t + k, terminal);
        o.Result(b, s.Action(Entry(a, env, t)), ret, terminal ? 0f : disc, Entry(a, env, t), k);
    }

    /// <summary>The frames of the stack ending at time p, oldest first; −1 (zeros) before the episode's first frame.</summary>
    private static void Stack<TStore, TSink>(TStore s, TSink o, in FrameReplayKernel.SampleArgs a, int b, int slot0, int env, long p, bool zero)
        where TStore : struct, IReplayStore where TSink : struct, IPickSink
    {
        bool alive = !zero;
        for (int c = a.Depth - 1; c >= 0; c--)
        {
            long q = p - (a.Depth - 1 - c);
            if (c < a.Depth - 1 && alive && (q < 0 || (s.Flags(Entry(a, env, q + 1)) & FrameReplayBuffer.StartFlag) != 0)) alive = false;
            o.Source(b, slot0 + c, alive ? Entry(a, env, q) : -1);
        }
    }
}
