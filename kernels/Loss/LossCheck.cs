using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class LossCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in new[] { 1, 7, 32, 1000, 12345 })
            foreach (bool huber in new[] { true, false })
            {
                string name = huber ? "loss.huber" : "loss.mse";
                yield return new OpCase(name + ".forward", $"[{n}]", (device, seed) =>
                {
                    var (pred, target) = Inputs(seed, n);
                    var loss = device.Zeros<float>(1);
                    var tp = device.FromArray(pred, n);
                    var tt = device.FromArray(target, n);
                    if (huber) Loss.Huber(tp, tt, loss); else Loss.Mse(tp, tt, loss);
                    var got = loss.ToArray();
                    if (huber) Loss.Huber(tp, tt, loss); else Loss.Mse(tp, tt, loss);
                    if (!ReduceCheck.Bitwise(got, loss.ToArray())) return double.PositiveInfinity;
                    double s = 0;
                    for (int i = 0; i < n; i++) s += Term(pred[i], target[i], huber);
                    // Every term is >= 0, so the sum of |terms| is the sum itself.
                    return ReduceCheck.SumError(got, [s / n], [s / n]);
                });
                yield return new OpCase(name + ".backward", $"[{n}]", (device, seed) =>
                {
                    var (pred, target) = Inputs(seed, n);
                    var d0 = Reference.Uniform(new Random(seed + 1), n, 1f / n);
                    var dp = device.FromArray(d0, n);
                    if (huber) Loss.HuberBackward(device.FromArray(pred, n), device.FromArray(target, n), dp);
                    else Loss.MseBackward(device.FromArray(pred, n), device.FromArray(target, n), dp);
                    var want = new double[n];
                    for (int i = 0; i < n; i++)
                    {
                        double d = (double)pred[i] - target[i];
                        want[i] = d0[i] + (huber ? Math.Clamp(d, -1, 1) / n : 2 * d / n);
                    }
                    return Reference.MaxRelError(dp.ToArray(), want);
                });
            }
    }

    /// <summary>Differences spread over [-3, 3] so both Huber branches are exercised.</summary>
    private static (float[] pred, float[] target) Inputs(int seed, int n)
    {
        var rng = new Random(seed);
        var pred = Reference.Uniform(rng, n, 2f);
        var target = Reference.Uniform(rng, n, 1f);
        if (n >= 2) { pred[0] = target[0] + 0.25f; pred[1] = target[1] - 2.5f; }
        return (pred, target);
    }

    private static double Term(float p, float t, bool huber)
    {
        double d = (double)p - t, ad = Math.Abs(d);
        return huber ? (ad < 1 ? 0.5 * d * d : ad - 0.5) : d * d;
    }
}
