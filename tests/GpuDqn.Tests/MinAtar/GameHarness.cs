using GpuDqn.Engine;
using GpuDqn.Kernels.MinAtar;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Tests.MinAtar.Games;

/// <summary>An HWC 10×10×C observation as 0/1 floats, with the queries the tests need.</summary>
public sealed class Obs(float[] cells, int channels)
{
    public float[] Cells { get; } = cells;
    public int Channels { get; } = channels;

    public bool this[int c, int y, int x] => Cells[(y * 10 + x) * Channels + c] != 0f;

    /// <summary>The true cells of channel c as a 10-bit mask per row (bit x = column x).</summary>
    public int Row(int c, int y)
    {
        int mask = 0;
        for (int x = 0; x < 10; x++) if (this[c, y, x]) mask |= 1 << x;
        return mask;
    }

    public int Count(int c)
    {
        int n = 0;
        for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) if (this[c, y, x]) n++;
        return n;
    }

    public IEnumerable<(int y, int x)> CellsOf(int c)
    {
        for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) if (this[c, y, x]) yield return (y, x);
    }

    public bool SameAs(Obs o) => Cells.AsSpan().SequenceEqual(o.Cells);
}

/// <summary>Host observation writer over a float array that rejects any cell outside the (10, 10, C) grid.</summary>
public readonly struct ArrayObservation(float[] cells, int baseIndex, int channels) : IObservationWriter
{
    public void Set(int channel, int y, int x)
    {
        if ((uint)channel >= (uint)channels || (uint)y >= 10u || (uint)x >= 10u)
            throw new InvalidOperationException($"observation cell (c {channel}, y {y}, x {x}) is outside 10x10x{channels}");
        cells[baseIndex + (y * 10 + x) * channels + channel] = 1f;
    }
}

/// <summary>One game instance on the host, over <see cref="ArrayMemory"/> (test-only).</summary>
public sealed class HostGame<TGame> where TGame : struct, IMinAtarGame
{
    private readonly TGame game = default;
    public int[] State { get; }
    public ulong Seed { get; }
    public ulong Stream { get; }
    public ulong Counter { get; set; }
    public bool Ramping { get; set; }

    public HostGame(ulong seed, ulong stream = 0, bool ramping = true)
    {
        State = new int[game.StateInts];
        Seed = seed;
        Stream = stream;
        Ramping = ramping;
        Reset();
    }

    public ArrayMemory Mem => new(State, 0);
    public int Channels => game.Channels;
    public bool Terminal => game.IsTerminal(Mem);
    public int RampIndex => game.RampIndex(Mem);
    public int this[int i] { get => State[i]; set => State[i] = value; }

    public void Reset()
    {
        var rng = new EnvRandom(Seed, Stream, Counter);
        game.Reset(Mem, ref rng, Ramping);
        Counter = rng.Counter;
    }

    public int Step(int action)
    {
        var rng = new EnvRandom(Seed, Stream, Counter);
        int r = game.Step(Mem, action, ref rng, Ramping);
        Counter = rng.Counter;
        return r;
    }

    public Obs Observe()
    {
        var cells = new float[100 * game.Channels];
        var w = new ArrayObservation(cells, 0, game.Channels);
        game.Observe(Mem, ref w);
        return new Obs(cells, game.Channels);
    }
}

/// <summary>
/// M environments of one game stepped in lockstep, either on the host (ArrayMemory) or by
/// <see cref="GameTestKernel"/> on an ILGPU device (ViewMemory). An action below 0 resets that
/// environment. Both return each environment's (reward, terminal, observation).
/// </summary>
public static class GameHarness
{
    public readonly record struct BatchResult(int[] Rewards, int[] Terminals, float[] Obs);

    public static BatchResult HostStep<TGame>(int[] state, ulong[] counters, int[] actions, ulong seed, bool ramping)
        where TGame : struct, IMinAtarGame
    {
        var game = default(TGame);
        int m = actions.Length, obsSize = 100 * game.Channels;
        var rewards = new int[m];
        var terminals = new int[m];
        var obs = new float[m * obsSize];
        for (int e = 0; e < m; e++)
        {
            var mem = new ArrayMemory(state, e * game.StateInts);
            var rng = new EnvRandom(seed, (ulong)e, counters[e]);
            if (actions[e] < 0) game.Reset(mem, ref rng, ramping);
            else rewards[e] = game.Step(mem, actions[e], ref rng, ramping);
            counters[e] = rng.Counter;
            terminals[e] = game.IsTerminal(mem) ? 1 : 0;
            var w = new ArrayObservation(obs, e * obsSize, game.Channels);
            game.Observe(mem, ref w);
        }
        return new BatchResult(rewards, terminals, obs);
    }

    /// <summary>Device buffers for M environments of <typeparamref name="TGame"/>.</summary>
    public sealed class KernelBatch<TGame> : IDisposable where TGame : struct, IMinAtarGame
    {
        private readonly IlgpuDevice dev;
        private readonly MemoryBuffer1D<int, Stride1D.Dense> state, actions, rewards, terminals;
        private readonly MemoryBuffer1D<ulong, Stride1D.Dense> counters;
        private readonly MemoryBuffer1D<float, Stride1D.Dense> obs;
        private readonly ulong seed;
        private readonly bool ramping;

        public KernelBatch(IlgpuDevice dev, int m, ulong seed, bool ramping)
        {
            var game = default(TGame);
            this.dev = dev;
            this.seed = seed;
            this.ramping = ramping;
            var acc = dev.Accelerator;
            state = acc.Allocate1D<int>((long)m * game.StateInts);
            state.MemSetToZero();
            counters = acc.Allocate1D<ulong>(m);
            counters.MemSetToZero();
            actions = acc.Allocate1D<int>(m);
            rewards = acc.Allocate1D<int>(m);
            terminals = acc.Allocate1D<int>(m);
            obs = acc.Allocate1D<float>((long)m * 100 * game.Channels);
        }

        public BatchResult Step(int[] acts)
        {
            actions.CopyFromCPU(acts);
            GameTestKernel.Launch<TGame>(dev, state.View, counters.View, actions.View, rewards.View, terminals.View, obs.View, seed, ramping);
            dev.Synchronize();
            return new BatchResult(rewards.GetAsArray1D(), terminals.GetAsArray1D(), obs.GetAsArray1D());
        }

        /// <summary>Replaces every environment's state and random counter (to continue a host run on the device).</summary>
        public void Load(int[] hostState, ulong[] hostCounters)
        {
            state.CopyFromCPU(hostState);
            counters.CopyFromCPU(hostCounters);
        }

        public int[] State() => state.GetAsArray1D();
        public ulong[] Counters() => counters.GetAsArray1D();

        public void Dispose()
        {
            state.Dispose();
            counters.Dispose();
            actions.Dispose();
            rewards.Dispose();
            terminals.Dispose();
            obs.Dispose();
        }
    }

    /// <summary>
    /// Plays M environments with the same seed and random actions (a terminal environment is
    /// reset on its next turn): first <paramref name="warmup"/> steps on the host only (to reach
    /// varied mid-game states cheaply), then the host state goes to the device and both run
    /// <paramref name="steps"/> more steps in lockstep, asserting identical rewards, terminals,
    /// observations, states and random counters at every step.
    /// Returns the number of rewarded steps and terminals seen in the lockstep part.
    /// </summary>
    public static (int rewards, int terminals) CompareHostAndKernel<TGame>(IlgpuDevice dev, int m, int warmup, int steps,
        int seed, bool ramping, Func<Random, int> policy) where TGame : struct, IMinAtarGame
    {
        var game = default(TGame);
        var rand = new Random(seed);
        var hostState = new int[m * game.StateInts];
        var hostCounters = new ulong[m];
        using var batch = new KernelBatch<TGame>(dev, m, (ulong)seed, ramping);
        var acts = new int[m];
        Array.Fill(acts, -1);
        for (int t = 0; t < warmup; t++)
        {
            var h = HostStep<TGame>(hostState, hostCounters, acts, (ulong)seed, ramping);
            for (int e = 0; e < m; e++) acts[e] = h.Terminals[e] != 0 ? -1 : policy(rand);
        }
        batch.Load(hostState, hostCounters);
        int rewardSteps = 0, terminalsSeen = 0;
        for (int t = 0; t < steps; t++)
        {
            var h = HostStep<TGame>(hostState, hostCounters, acts, (ulong)seed, ramping);
            var k = batch.Step(acts);
            if (!h.Rewards.AsSpan().SequenceEqual(k.Rewards)) throw new Xunit.Sdk.XunitException($"rewards differ at step {t} (seed {seed})");
            if (!h.Terminals.AsSpan().SequenceEqual(k.Terminals)) throw new Xunit.Sdk.XunitException($"terminals differ at step {t} (seed {seed})");
            if (!h.Obs.AsSpan().SequenceEqual(k.Obs)) throw new Xunit.Sdk.XunitException($"observations differ at step {t} (seed {seed})");
            if (!hostState.AsSpan().SequenceEqual(batch.State())) throw new Xunit.Sdk.XunitException($"states differ at step {t} (seed {seed})");
            if (!hostCounters.AsSpan().SequenceEqual(batch.Counters())) throw new Xunit.Sdk.XunitException($"random counters differ at step {t} (seed {seed})");
            for (int e = 0; e < m; e++)
            {
                if (h.Rewards[e] > 0) rewardSteps++;
                if (h.Terminals[e] != 0 && acts[e] >= 0) terminalsSeen++;
                acts[e] = h.Terminals[e] != 0 ? -1 : policy(rand);
            }
        }
        return (rewardSteps, terminalsSeen);
    }
}
