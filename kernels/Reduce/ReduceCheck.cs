using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class ReduceCheck : IOpChecks
{
    public static readonly int[] Lengths = [1, 7, 1000, 12345, 70001];

    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in Lengths)
            foreach (bool scratch in new[] { false, true })
            {
                string shape = $"[{n}]{(scratch ? " +scratch" : "")}";
                yield return new OpCase("reduce.sum", shape, (device, seed) => RunSum(device, seed, n, scratch, mean: false));
                yield return new OpCase("reduce.mean", shape, (device, seed) => RunSum(device, seed, n, scratch, mean: true));
            }
        var shapes = new (int r, int c)[] { (1, 1), (7, 13), (32, 512), (33, 6), (1000, 7), (3, 300), (257, 129) };
        foreach (var (r, c) in shapes)
            foreach (bool accumulate in new[] { false, true })
                yield return new OpCase("reduce.sumrows", $"[{r}, {c}]{(accumulate ? " +=" : "")}", (device, seed) =>
                {
                    var rng = new Random(seed);
                    var x = Reference.Uniform(rng, (long)r * c);
                    var out0 = Reference.Uniform(rng, c);
                    var tx = device.FromArray(x, r, c);
                    var to = device.FromArray(out0, c);
                    Reduce.SumRows(tx, to, accumulate);
                    var first = to.ToArray();
                    to.Upload(out0);
                    Reduce.SumRows(tx, to, accumulate);
                    if (!Bitwise(first, to.ToArray())) return double.PositiveInfinity;
                    var want = new double[c];
                    var abs = new double[c];
                    for (int j = 0; j < c; j++)
                    {
                        double s = accumulate ? out0[j] : 0, a = accumulate ? Math.Abs(out0[j]) : 0;
                        for (int i = 0; i < r; i++) { s += x[i * c + j]; a += Math.Abs(x[i * c + j]); }
                        want[j] = s;
                        abs[j] = a;
                    }
                    return SumError(first, want, abs);
                });
    }

    private static double RunSum(Device device, int seed, int n, bool withScratch, bool mean)
    {
        var x = Reference.Uniform(new Random(seed), n);
        var tx = device.FromArray(x, n);
        var result = device.Zeros<float>(1);
        var scratch = withScratch ? device.Zeros<float>(Reduce.ScratchLength + 3) : null;
        float[] once = new float[1], twice = new float[1];
        for (int rep = 0; rep < 2; rep++)
        {
            if (mean) Reduce.Mean(tx, result, scratch);
            else Reduce.Sum(tx, result, scratch);
            result.Download(rep == 0 ? once : twice);
        }
        if (!Bitwise(once, twice)) return double.PositiveInfinity;
        double s = 0, a = 0;
        foreach (float v in x) { s += v; a += Math.Abs(v); }
        return mean ? SumError(once, [s / n], [a / n]) : SumError(once, [s], [a]);
    }

    /// <summary>
    /// The error measure for sums: max_i |got_i - want_i| / max_i Σ|terms_i|, the error relative to
    /// the summands' size, which stays meaningful when a sum cancels to near zero.
    /// </summary>
    public static double SumError(ReadOnlySpan<float> got, ReadOnlySpan<double> want, ReadOnlySpan<double> absSum)
    {
        double scale = 1e-12, err = 0;
        foreach (double a in absSum) scale = Math.Max(scale, a);
        for (int i = 0; i < got.Length; i++)
        {
            double e = Math.Abs(got[i] - want[i]);
            if (double.IsNaN(e)) return double.NaN;
            err = Math.Max(err, e);
        }
        return err / scale;
    }

    public static bool Bitwise(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return false;
        return true;
    }
}
