using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class ArgmaxCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (var (rows, n) in new[] { (1, 1), (1, 2), (37, 4), (513, 18), (3001, 6) })
        {
            yield return new OpCase("argmax.index", $"[{rows},{n}]", (device, seed) => Run(device, seed, rows, n, wantIndex: true));
            yield return new OpCase("argmax.max", $"[{rows},{n}]", (device, seed) => Run(device, seed, rows, n, wantIndex: false));
        }
    }

    private static double Run(Device device, int seed, int rows, int n, bool wantIndex)
    {
        var rng = new Random(seed);
        var x = Reference.Uniform(rng, (long)rows * n);
        // Force ties on some rows (the lowest index must win): copy a column's value to a later one.
        for (int r = 0; r < rows; r += 3)
            if (n > 1)
            {
                int j = rng.Next(n - 1);
                x[r * n + n - 1] = x[r * n + j];
            }
        var index = device.Zeros<int>(rows);
        var max = device.Zeros<float>(rows);
        Argmax.Run(device.FromArray(x, rows, n), index, max);
        var wantI = new int[rows];
        var wantM = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            int best = 0;
            for (int j = 1; j < n; j++) if ((double)x[r * n + j] > x[r * n + best]) best = j;
            wantI[r] = best;
            wantM[r] = x[r * n + best];
        }
        return wantIndex ? Reference.Mismatch<int>(index.ToArray(), wantI) : Reference.MaxRelError(max.ToArray(), wantM);
    }
}
