using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

/// <summary>Epsilon-greedy: exact argmax at epsilon 0, and the exact counter-based draws at other epsilons.</summary>
internal sealed class EpsilonGreedyCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (var (n, a) in new[] { (1, 2), (64, 2), (257, 6), (1000, 18) })
            foreach (float eps in new[] { 0f, 0.3f, 1f })
                yield return new OpCase("acting.epsgreedy", $"[{n},{a}] eps={eps}", (device, seed) => Run(device, seed, n, a, eps));
    }

    private static double Run(Device device, int seed, int n, int a, float eps)
    {
        var rng = new Random(seed);
        var q = Reference.Uniform(rng, (long)n * a);
        for (int i = 0; i < n; i += 4) if (a > 1) q[i * a + a - 1] = q[i * a]; // ties: lowest index wins
        ulong s = (ulong)seed, step = (ulong)rng.Next(1 << 20);
        var actions = device.Zeros<int>(n);
        EpsilonGreedy.Select(device.FromArray(q, n, a), eps, s, step, actions);
        var want = new int[n];
        for (int i = 0; i < n; i++)
        {
            ulong stream = (ulong)(uint)i | EpsilonGreedy.StreamTag;
            // Reference draws: the same 24-bit uniform and multiply-shift, written out in 64-bit integers.
            ulong bits = CounterRng.Bits(s, stream, 2 * step);
            double u = (bits >> 40) / 16777216.0;
            if (u < eps) want[i] = (int)(((CounterRng.Bits(s, stream, 2 * step + 1) >> 32) * (ulong)a) >> 32);
            else
            {
                int best = 0;
                for (int j = 1; j < a; j++) if ((double)q[i * a + j] > q[i * a + best]) best = j;
                want[i] = best;
            }
        }
        return Reference.Mismatch<int>(actions.ToArray(), want);
    }
}
