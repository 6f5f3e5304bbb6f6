using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class GemmCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        // Shapes cross the kernel's 64×64×32 tiles and the host's 8×32 micro-tiles and 256-deep
        // K blocks; (65, 129, 200) is one past the 64×64 tiles on both sides. They stay small for
        // ILGPU's CPU accelerator, whose cost is per group and per K step; the host's larger
        // blocks (128 rows, 512 columns) and its threading are tested in tests/GpuDqn.Tests/Gemm.
        var shapes = new (int m, int n, int k)[]
        {
            (1, 1, 1), (1, 7, 13), (33, 17, 65), (32, 130, 257), (128, 84, 120), (70, 3, 300),
            (65, 129, 200), (1, 6, 512), (40, 50, 600),   // one tile, long K: split-K on every ILGPU device
            (2, 45, 777),   // a batch-2 forward over a long K: one group per output, 777 = 6·128 + 9
        };
        foreach (var (m, n, k) in shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    bool epilogue = ta == tb;  // exercise beta, bias and ReLU on half of the cases
                    yield return new OpCase("gemm", $"{m}x{n}x{k} {(ta ? "T" : "N")}{(tb ? "T" : "N")}{(epilogue ? " +beta,bias,relu" : "")}",
                        (device, seed) => Run(device, seed, m, n, k, ta, tb, epilogue));
                }
        // An input gradient masked by the ReLU before the layer (reluMask), as a dense layer's backward writes it.
        foreach (var (m, n, k) in new[] { (33, 17, 65), (32, 130, 257), (70, 3, 300) })
            yield return new OpCase("gemm", $"{m}x{n}x{k} NN +reluMask", (device, seed) => Run(device, seed, m, n, k, false, false, false, reluMask: true));
    }

    private static double Run(Device device, int seed, int m, int n, int k, bool ta, bool tb, bool epilogue, bool reluMask = false)
    {
        var rng = new Random(seed);
        var a = Reference.Uniform(rng, (long)m * k);
        var b = Reference.Uniform(rng, (long)k * n);
        var c0 = Reference.Uniform(rng, (long)m * n);
        var bias = Reference.Uniform(rng, n);
        var mask = Reference.Uniform(rng, (long)m * n);   // about half ≤ 0
        float alpha = epilogue ? 0.75f : 1f, beta = epilogue ? 0.5f : 0f;
        var ta_ = device.FromArray(a, ta ? [k, m] : [m, k]);
        var tb_ = device.FromArray(b, tb ? [n, k] : [k, n]);
        var tc = device.FromArray(c0, m, n);
        Gemm.Run(ta_, ta, tb_, tb, tc, alpha, beta, epilogue ? device.FromArray(bias, n) : null, relu: epilogue,
            reluMask: reluMask ? device.FromArray(mask, m, n) : null);
        var want = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                    acc += (double)a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
                double v = alpha * acc + beta * c0[i * n + j];
                if (epilogue) v = Math.Max(v + bias[j], 0);
                if (reluMask && !(mask[i * n + j] > 0)) v = 0;
                want[i * n + j] = v;
            }
        return Reference.MaxRelError(tc.ToArray(), want);
    }
}
