using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class BiasAddCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        int[][] shapes = [[1, 1], [7, 13], [32, 512], [33, 6], [1, 3, 1, 1], [2, 16, 8, 8], [3, 5, 7, 9], [4, 8, 7, 7], [32, 4, 10, 10], [2, 200, 2, 2]];
        for (int i = 0; i < shapes.Length; i++)
        {
            var shape = shapes[i];
            bool accumulate = i % 2 == 0;  // both modes, without doubling the (barrier-heavy) cases
            string s = Shape.Format(shape);
            yield return new OpCase("biasadd.forward", s, (device, seed) => Forward(device, seed, shape));
            yield return new OpCase("biasadd.backward", s + (accumulate ? " +=" : ""), (device, seed) => Backward(device, seed, shape, accumulate));
        }
    }

    private static (int n, int c, int k) Dims(int[] shape)
    {
        int k = 1;
        for (int i = 2; i < shape.Length; i++) k *= shape[i];
        return (shape[0], shape[1], k);
    }

    private static double Forward(Device device, int seed, int[] shape)
    {
        var (n, c, k) = Dims(shape);
        var rng = new Random(seed);
        var x = Reference.Uniform(rng, (long)n * c * k);
        var b = Reference.Uniform(rng, c);
        var tx = device.FromArray(x, shape);
        BiasAdd.Forward(tx, device.FromArray(b, c));
        var want = new double[x.Length];
        for (int i = 0; i < x.Length; i++) want[i] = (double)x[i] + b[i / k % c];
        return Reference.MaxRelError(tx.ToArray(), want);
    }

    private static double Backward(Device device, int seed, int[] shape, bool accumulate)
    {
        var (n, c, k) = Dims(shape);
        var rng = new Random(seed);
        var dy = Reference.Uniform(rng, (long)n * c * k);
        var db0 = Reference.Uniform(rng, c);
        var tdb = device.FromArray(db0, c);
        var tdy = device.FromArray(dy, shape);
        BiasAdd.Backward(tdy, tdb, accumulate);
        var got = tdb.ToArray();
        tdb.Upload(db0);
        BiasAdd.Backward(tdy, tdb, accumulate);
        if (!ReduceCheck.Bitwise(got, tdb.ToArray())) return double.PositiveInfinity;
        var want = new double[c];
        var abs = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            double s = accumulate ? db0[ch] : 0, a = accumulate ? Math.Abs(db0[ch]) : 0;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < k; j++) { float v = dy[((long)i * c + ch) * k + j]; s += v; a += Math.Abs(v); }
            want[ch] = s;
            abs[ch] = a;
        }
        return ReduceCheck.SumError(got, want, abs);
    }
}
