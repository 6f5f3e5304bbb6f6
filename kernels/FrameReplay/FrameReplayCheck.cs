using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels.FrameReplay;

/// <summary>
/// The frame-once replay against a naive replay that stores every observation's full stack
/// (<see cref="NaiveStackedReplay"/>): each sampled transition must be a valid entry and its
/// obs, next obs, action, n-step return, bootstrap factor and k must be exactly what the naive
/// buffer holds, across episode boundaries (terminations, truncations) and ring wrap-around.
/// </summary>
internal sealed class FrameReplayCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (var (envs, capacity, h, w, added, n, batch) in new[]
        {
            (3, 13, 5, 4, 41, 3, 64), (3, 13, 5, 4, 41, 1, 64), (2, 16, 3, 7, 9, 2, 33), (1, 10, 84, 84, 16, 3, 6), (4, 9, 2, 2, 100, 5, 128),
        })
            yield return new OpCase("framereplay.sample", $"{envs}x{capacity} {h}x{w} added {added} n={n} B={batch}",
                (device, seed) => Run(device, seed, envs, capacity, h, w, added, n, batch), Tolerance: 1e-6);
    }

    private static double Run(Device device, int seed, int envs, int capacity, int h, int w, int added, int n, int batchSize)
    {
        var scenario = new FrameReplayScenario(device, seed, envs, capacity, h, w);
        for (int i = 0; i < added; i++) scenario.AddRandomStep();
        var batch = new FrameReplayBatch(device, batchSize, 4, h, w);
        double worst = 0;
        for (ulong step = 0; step < 3; step++)
        {
            scenario.Replay.Sample(batch, n, 0.9f, (ulong)seed, step);
            worst = Math.Max(worst, scenario.Compare(batch, n, 0.9f));
        }
        return worst;
    }
}

/// <summary>Random episodes fed to a <see cref="FrameReplayBuffer"/> and a <see cref="NaiveStackedReplay"/> side by side.</summary>
internal sealed class FrameReplayScenario
{
    private readonly Random rng;
    private readonly Device device;
    private readonly bool[] ended;
    public FrameReplayBuffer Replay { get; }
    public NaiveStackedReplay Naive { get; }

    public FrameReplayScenario(Device device, int seed, int envs, int capacity, int h, int w)
    {
        this.device = device;
        rng = new Random(seed);
        Replay = new FrameReplayBuffer(device, envs, capacity, h, w);
        Naive = new NaiveStackedReplay(envs, capacity, 4, h * w);
        ended = Enumerable.Repeat(true, envs).ToArray();
    }

    /// <summary>One entry per stream: random frame and reward; episodes end at random (terminated 12 %, truncated 8 %),
    /// and 3 % of the time an episode starts without a recorded end (which the replay must treat as a cut).</summary>
    public void AddRandomStep()
    {
        int envs = Replay.Envs, px = Replay.FrameHeight * Replay.FrameWidth;
        var frames = new byte[envs * px];
        rng.NextBytes(frames);
        var starts = new byte[envs];
        var actions = new int[envs];
        var rewards = new float[envs];
        var term = new bool[envs];
        var trunc = new bool[envs];
        for (int e = 0; e < envs; e++)
        {
            starts[e] = (byte)(ended[e] || rng.NextDouble() < 0.03 ? 1 : 0);
            actions[e] = rng.Next(6);
            rewards[e] = (float)(rng.NextDouble() * 2 - 1);
            double u = rng.NextDouble();
            term[e] = u < 0.12;
            trunc[e] = u >= 0.12 && u < 0.20;
            ended[e] = term[e] || trunc[e];
        }
        Replay.Add(device.FromArray(frames, envs, Replay.FrameHeight, Replay.FrameWidth), device.FromArray(starts, envs), actions, rewards, term, trunc);
        Naive.Add(frames, starts, actions, rewards, term, trunc);
    }

    /// <summary>0 when every sample matches the naive replay (floats to within their rounding), 1 on any exact mismatch.</summary>
    public double Compare(FrameReplayBatch batch, int n, float gamma)
    {
        var obs = batch.Observations.ToArray();
        var next = batch.NextObservations.ToArray();
        var act = batch.Actions.ToArray();
        var ret = batch.Returns.ToArray();
        var boot = batch.Bootstrap.ToArray();
        var idx = batch.Indices.ToArray();
        var steps = batch.Steps.ToArray();
        int stackLen = Naive.Depth * Naive.Pixels;
        double worst = 0;
        for (int b = 0; b < batch.Size; b++)
        {
            if (idx[b] < 0)
            {
                // The inert sample is only allowed when no candidate at all can be bootstrapped.
                var (first, last) = Replay.ValidRange(n);
                for (int e = 0; e < Replay.Envs; e++)
                    for (long x = first; x <= last; x++)
                        if (Naive.IsValid(e, x, n)) return 1;
                if (boot[b] != 0 || ret[b] != 0 || steps[b] != 0) return 1;
                continue;
            }
            var (env, t) = Naive.Locate(idx[b]);
            if (!Naive.IsValid(env, t, n)) return 1;
            var want = Naive.Expected(env, t, n, gamma);
            if (act[b] != want.Action || steps[b] != want.Steps) return 1;
            worst = Math.Max(worst, Math.Abs(ret[b] - want.Return) / Math.Max(1, Math.Abs(want.Return)));
            worst = Math.Max(worst, Math.Abs(boot[b] - want.Bootstrap));
            for (int i = 0; i < stackLen; i++)
            {
                worst = Math.Max(worst, Math.Abs(obs[b * stackLen + i] - want.Obs[i] / 255.0));
                worst = Math.Max(worst, Math.Abs(next[b * stackLen + i] - want.Next[i] / 255.0));
            }
        }
        return worst;
    }
}

/// <summary>
/// The test-side reference: a replay that stores every observation as its full stack (built
/// with a plain deque that restarts at every episode start), never overwrites, and applies
/// the documented validity rule and n-step return directly.
/// </summary>
internal sealed class NaiveStackedReplay(int envs, int capacity, int depth, int pixels)
{
    public sealed record Entry(byte[] Stack, int Action, float Reward, bool Terminated, bool Truncated, bool Start);
    public sealed record Transition(byte[] Obs, byte[] Next, int Action, double Return, double Bootstrap, int Steps);

    private readonly List<Entry>[] streams = Enumerable.Range(0, envs).Select(_ => new List<Entry>()).ToArray();
    public int Depth => depth;
    public int Pixels => pixels;
    public long Added => streams[0].Count;
    public List<Entry> Stream(int env) => streams[env];

    public void Add(byte[] frames, byte[] starts, int[] actions, float[] rewards, bool[] terminated, bool[] truncated)
    {
        for (int e = 0; e < envs; e++)
        {
            var s = streams[e];
            bool start = starts[e] != 0 || s.Count == 0;
            var stack = new byte[depth * pixels];
            if (!start) Array.Copy(s[^1].Stack, pixels, stack, 0, (depth - 1) * pixels);
            Array.Copy(frames, e * pixels, stack, (depth - 1) * pixels, pixels);
            s.Add(new Entry(stack, actions[e], rewards[e], terminated[e], truncated[e], start));
        }
    }

    /// <summary>(stream, time) of a replay index stream · capacity + slot.</summary>
    public (int Env, long Time) Locate(int index)
    {
        if (index < 0) return (-1, -1);
        int env = index / capacity, slot = index % capacity;
        long oldest = Math.Max(0, Added - capacity);
        return (env, oldest + ((slot - oldest) % capacity + capacity) % capacity);
    }

    private bool Cut(int env, long t)
    {
        var s = streams[env];
        return !s[(int)t].Terminated && (s[(int)t].Truncated || s[(int)t + 1].Start);
    }

    public bool IsValid(int env, long t, int n)
    {
        if (env < 0 || env >= envs) return false;
        long first = Added <= capacity ? 0 : Added - capacity + depth - 1;
        return t >= first && t <= Added - 1 - n && !Cut(env, t);
    }

    public Transition Expected(int env, long t, int n, double gamma)
    {
        var s = streams[env];
        double ret = 0;
        int k = 0;
        bool terminal = false;
        for (int j = 0; j < n; j++)
        {
            if (Cut(env, t + j)) break;
            ret += Math.Pow(gamma, j) * s[(int)(t + j)].Reward;
            k = j + 1;
            if (s[(int)(t + j)].Terminated)
            {
                terminal = true;
                break;
            }
        }
        var next = terminal ? new byte[depth * pixels] : s[(int)(t + k)].Stack;
        return new Transition(s[(int)t].Stack, next, s[(int)t].Action, ret, terminal ? 0 : Math.Pow(gamma, k), k);
    }
}
