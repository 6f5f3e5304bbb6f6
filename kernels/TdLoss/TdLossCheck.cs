using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

/// <summary>
/// TD loss vs a float64 reference: every variant and loss, n = 1 and n = 3 discounts with
/// terminated (discount 0) and truncated/short (γ^k, k &lt; n) samples; batch 1, 37, 300 (&gt; one group).
/// The case's error is the largest relative error over tdError, loss, dq and meanQ.
/// </summary>
internal sealed class TdLossCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (var variant in new[] { TdVariant.Vanilla, TdVariant.Target, TdVariant.Double })
            foreach (var loss in new[] { TdLossKind.Huber, TdLossKind.Mse })
                foreach (var (n, b, a) in new[] { (1, 37, 6), (3, 300, 4) })
                    yield return new OpCase("tdloss", $"{variant} {loss} n={n} [{b},{a}]", (device, seed) => Run(device, seed, variant, loss, n, b, a));
        yield return new OpCase("tdloss", "Double Huber n=3 [1,2]", (device, seed) => Run(device, seed, TdVariant.Double, TdLossKind.Huber, 3, 1, 2));
    }

    internal static double Run(Device device, int seed, TdVariant variant, TdLossKind loss, int n, int b, int a)
    {
        var rng = new Random(seed);
        const double gamma = 0.99;
        var q = Reference.Uniform(rng, (long)b * a, 3f);
        var qNext = Reference.Uniform(rng, (long)b * a, 3f);
        var qOnline = Reference.Uniform(rng, (long)b * a, 3f);
        for (int i = 0; i < b; i += 5) if (a > 1) qOnline[i * a + a - 1] = qOnline[i * a];  // argmax ties
        var actions = new int[b];
        var returns = new float[b];
        var disc = new float[b];
        for (int i = 0; i < b; i++)
        {
            actions[i] = rng.Next(a);
            int k = 1 + rng.Next(n);                       // k < n: the episode ended (or the buffer's head)
            bool terminated = rng.Next(4) == 0;
            double r = 0;
            for (int j = 0; j < k; j++) r += Math.Pow(gamma, j) * (rng.NextDouble() * 2 - 0.5);
            returns[i] = (float)r;
            disc[i] = terminated ? 0f : (float)Math.Pow(gamma, k);
        }
        var tq = device.FromArray(q, b, a);
        var tNext = device.FromArray(qNext, b, a);
        var tOnline = variant == TdVariant.Double ? device.FromArray(qOnline, b, a) : null;
        var td = device.Zeros<float>(b);
        var tl = device.Zeros<float>(1);
        var tdq = device.FromArray(Reference.Uniform(rng, (long)b * a), b, a);  // stale values must be overwritten
        var tmq = device.Zeros<float>(1);
        TdLoss.Run(variant, loss, tq, tNext, tOnline, device.FromArray(actions, b), device.FromArray(returns, b),
            device.FromArray(disc, b), td, tl, tdq, tmq);

        var wantTd = new double[b];
        var wantDq = new double[b * a];
        double wantLoss = 0, wantMeanQ = 0, meanAbsQ = 0;
        for (int i = 0; i < b; i++)
        {
            double next;
            if (variant == TdVariant.Double)
            {
                int best = 0;
                for (int j = 1; j < a; j++) if (qOnline[i * a + j] > qOnline[i * a + best]) best = j;
                next = qNext[i * a + best];
            }
            else
            {
                next = double.NegativeInfinity;
                for (int j = 0; j < a; j++) next = Math.Max(next, qNext[i * a + j]);
            }
            double y = returns[i] + (double)disc[i] * next;
            double qsa = q[i * a + actions[i]];
            double x = qsa - y;
            wantTd[i] = y - qsa;
            double l, g;
            if (loss == TdLossKind.Huber)
            {
                l = Math.Abs(x) < 1 ? 0.5 * x * x : Math.Abs(x) - 0.5;
                g = Math.Clamp(x, -1, 1);
            }
            else
            {
                l = x * x;
                g = 2 * x;
            }
            wantLoss += l / b;
            wantMeanQ += qsa / b;
            meanAbsQ += Math.Abs(qsa) / b;
            wantDq[i * a + actions[i]] = g / b;
        }
        return new[]
        {
            Reference.MaxRelError(td.ToArray(), wantTd),
            Reference.MaxRelError(tl.ToArray(), [wantLoss]),
            Reference.MaxRelError(tdq.ToArray(), wantDq),
            // Relative to the mean |Q(s,a)|: the Q values (±3) can cancel to a mean near 0, where a float
            // sum's rounding alone is 1e-4 of it (seed 1034430907, b = 37: 1.33e-4).
            Reference.MaxRelError(tmq.ToArray(), [wantMeanQ], floor: meanAbsQ),
        }.Max();
    }
}
