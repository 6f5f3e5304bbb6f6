using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

/// <summary>Conv2d forward and backward against float64 references on awkward shapes.</summary>
internal sealed class Conv2dCheck : IOpChecks
{
    internal readonly record struct ConvShape(int N, int C, int H, int W, int K, int R, int S, int Stride, int Pad)
    {
        public override string ToString() => $"x[{N},{C},{H},{W}] w[{K},{C},{R},{S}] s{Stride} p{Pad}";
    }

    /// <summary>Batch 1 and 3, non-square inputs, 1x1 to 8x8 kernels, strides 1/2/4, pads 0/1/2, K across tile edges.</summary>
    internal static readonly ConvShape[] Shapes =
    [
        new(1, 3, 11, 9, 5, 3, 3, 1, 1),
        new(3, 5, 11, 9, 7, 3, 3, 2, 0),
        new(3, 2, 11, 9, 6, 4, 4, 2, 2),
        new(1, 17, 9, 11, 70, 1, 1, 1, 0),
        new(3, 3, 19, 17, 5, 8, 8, 4, 1),
        new(1, 4, 12, 13, 9, 4, 4, 4, 2),
        new(2, 3, 7, 6, 66, 3, 3, 1, 2),
        new(1, 19, 5, 5, 3, 5, 5, 1, 0),
        new(1, 5, 6, 7, 64, 2, 3, 1, 1),
        // MinAtar (10 channels, 10x10 -> 16 3x3 s1), and the three Nature-DQN layers' channels,
        // kernels and strides (4 -> 32 8x8 s4 -> 64 4x4 s2 -> 64 3x3 s1) on smaller images: the
        // ILGPU CPU accelerator pays for every barrier, and the full 84x84 stack is checked on
        // cpu by Conv2dTests.Nature_stack_at_full_size_matches_float64.
        new(3, 10, 10, 10, 16, 3, 3, 1, 0),
        new(1, 4, 36, 28, 32, 8, 8, 4, 0),
        new(1, 32, 11, 9, 64, 4, 4, 2, 0),
        new(1, 64, 6, 5, 64, 3, 3, 1, 0),
        // The host's direct path (no padding, K a multiple of 16): 32 + 16 channels, a 2x3 kernel
        // at stride 3, 20 output pixels per image (a partial tile of 8).
        new(2, 3, 13, 14, 48, 2, 3, 3, 0),
        // The host's row path (stride 1, output rows 8 wide): an odd row count (a one-row tile),
        // 32 channels under a 2x4 kernel; a 5x5 kernel; 1x1 taps over 10 rows, no bias.
        new(2, 3, 8, 11, 32, 2, 4, 1, 0),
        new(3, 5, 12, 12, 16, 5, 5, 1, 0),
        new(1, 2, 10, 8, 16, 1, 1, 1, 0),
        // The host's direct input gradient (no padding, C a multiple of 16): a 2x3 kernel at stride 3
        // (one column class without taps, rows and columns past the last patch), 48 = 32 + 16 channels
        // under a 3x2 kernel at stride 2 (classes of 2x1, 1x1 ... taps), K not a multiple of 16.
        new(2, 16, 10, 13, 5, 2, 3, 3, 0),
        new(3, 48, 9, 8, 7, 3, 2, 2, 0),
    ];

    public IEnumerable<OpCase> Cases()
    {
        for (int i = 0; i < Shapes.Length; i++)
        {
            var sh = Shapes[i];
            // Bias and ReLU on two thirds of the shapes, none on the rest.
            bool bias = i % 3 != 1, relu = i % 3 == 0;
            yield return new OpCase("conv2d.forward", sh + (bias ? " +bias" : "") + (relu ? ",relu" : ""),
                (device, seed) => Forward(device, seed, sh, bias, relu));
            yield return new OpCase("conv2d.backward", sh + " dx,dw,db",
                (device, seed) => Backward(device, seed, sh, withDx: true, withDb: true));
            if (i % 4 == 0)
                yield return new OpCase("conv2d.backward", sh + " dw only",
                    (device, seed) => Backward(device, seed, sh, withDx: false, withDb: false));
        }
    }

    internal static int Out(int input, int kernel, int stride, int pad) => (input + 2 * pad - kernel) / stride + 1;

    internal static double Forward(Device device, int seed, ConvShape s, bool bias, bool relu)
    {
        var rng = new Random(seed);
        int p = Out(s.H, s.R, s.Stride, s.Pad), q = Out(s.W, s.S, s.Stride, s.Pad);
        var x = Reference.Uniform(rng, (long)s.N * s.C * s.H * s.W);
        var w = Reference.Uniform(rng, (long)s.K * s.C * s.R * s.S);
        var b = Reference.Uniform(rng, s.K);
        var y0 = Reference.Uniform(rng, (long)s.N * s.K * p * q); // overwritten, not accumulated
        var ty = device.FromArray(y0, s.N, s.K, p, q);
        Conv2d.Forward(device.FromArray(x, s.N, s.C, s.H, s.W), device.FromArray(w, s.K, s.C, s.R, s.S),
            bias ? device.FromArray(b, s.K) : null, ty, s.Stride, s.Pad, relu);
        var want = ReferenceForward(x, w, s, p, q);
        for (int i = 0; i < want.Length; i++)
        {
            if (bias) want[i] += b[i / (p * q) % s.K];
            if (relu) want[i] = Math.Max(want[i], 0);
        }
        return Reference.MaxRelError(ty.ToArray(), want);
    }

    internal static double Backward(Device device, int seed, ConvShape s, bool withDx, bool withDb)
    {
        var rng = new Random(seed);
        int p = Out(s.H, s.R, s.Stride, s.Pad), q = Out(s.W, s.S, s.Stride, s.Pad);
        var x = Reference.Uniform(rng, (long)s.N * s.C * s.H * s.W);
        var w = Reference.Uniform(rng, (long)s.K * s.C * s.R * s.S);
        var dy = Reference.Uniform(rng, (long)s.N * s.K * p * q);
        var dx0 = Reference.Uniform(rng, x.Length);
        var dw0 = Reference.Uniform(rng, w.Length);
        var db0 = Reference.Uniform(rng, s.K);
        var tdx = withDx ? device.FromArray(dx0, s.N, s.C, s.H, s.W) : null;
        var tdw = device.FromArray(dw0, s.K, s.C, s.R, s.S);
        var tdb = withDb ? device.FromArray(db0, s.K) : null;
        Conv2d.Backward(device.FromArray(x, s.N, s.C, s.H, s.W), device.FromArray(w, s.K, s.C, s.R, s.S),
            device.FromArray(dy, s.N, s.K, p, q), tdx, tdw, tdb, s.Stride, s.Pad);

        var (dx, dw, db) = ReferenceBackward(x, w, dy, s, p, q);
        for (int i = 0; i < dx.Length; i++) dx[i] += dx0[i];
        for (int i = 0; i < dw.Length; i++) dw[i] += dw0[i];
        for (int i = 0; i < db.Length; i++) db[i] += db0[i];
        double err = Reference.MaxRelError(tdw.ToArray(), dw);
        if (tdx is not null) err = Math.Max(err, Reference.MaxRelError(tdx.ToArray(), dx));
        if (tdb is not null) err = Math.Max(err, Reference.MaxRelError(tdb.ToArray(), db));
        return err;
    }

    /// <summary>y[n,k,p,q] = Σ_{c,r,s} x[n,c,p·stride−pad+r, q·stride−pad+s]·w[k,c,r,s] in float64 (no bias).</summary>
    internal static double[] ReferenceForward(float[] x, float[] w, ConvShape s, int p, int q)
    {
        var y = new double[(long)s.N * s.K * p * q];
        for (int n = 0; n < s.N; n++)
            for (int k = 0; k < s.K; k++)
                for (int op = 0; op < p; op++)
                    for (int oq = 0; oq < q; oq++)
                    {
                        double acc = 0;
                        for (int c = 0; c < s.C; c++)
                            for (int r = 0; r < s.R; r++)
                            {
                                int h = op * s.Stride - s.Pad + r;
                                if (h < 0 || h >= s.H) continue;
                                for (int t = 0; t < s.S; t++)
                                {
                                    int wi = oq * s.Stride - s.Pad + t;
                                    if (wi < 0 || wi >= s.W) continue;
                                    acc += (double)x[((n * s.C + c) * s.H + h) * s.W + wi] * w[((k * s.C + c) * s.R + r) * s.S + t];
                                }
                            }
                        y[((n * s.K + k) * p + op) * q + oq] = acc;
                    }
        return y;
    }

    /// <summary>The three gradients (not accumulated) in float64, by scattering every product once.</summary>
    internal static (double[] Dx, double[] Dw, double[] Db) ReferenceBackward(float[] x, float[] w, float[] dy, ConvShape s, int p, int q)
    {
        var dx = new double[x.Length];
        var dw = new double[w.Length];
        var db = new double[s.K];
        for (int n = 0; n < s.N; n++)
            for (int k = 0; k < s.K; k++)
                for (int op = 0; op < p; op++)
                    for (int oq = 0; oq < q; oq++)
                    {
                        double g = dy[((n * s.K + k) * p + op) * q + oq];
                        db[k] += g;
                        for (int c = 0; c < s.C; c++)
                            for (int r = 0; r < s.R; r++)
                            {
                                int h = op * s.Stride - s.Pad + r;
                                if (h < 0 || h >= s.H) continue;
                                for (int t = 0; t < s.S; t++)
                                {
                                    int wi = oq * s.Stride - s.Pad + t;
                                    if (wi < 0 || wi >= s.W) continue;
                                    int xi = ((n * s.C + c) * s.H + h) * s.W + wi, wj = ((k * s.C + c) * s.R + r) * s.S + t;
                                    dx[xi] += g * w[wj];
                                    dw[wj] += g * x[xi];
                                }
                            }
                    }
        return (dx, dw, db);
    }
}
