using System.Numerics;
using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Host convolution: im2col (multi-threaded over the batch) into a patch matrix
/// col [N·P·Q, C·R·S] (one row per output pixel), then one <see cref="GemmHost"/> call over the
/// whole batch. Backward reuses the same layout: dw += dyᵀ·col, dcol = dyᵀ·W, then col2im
/// (one thread per image, so every dx element is summed in a fixed order).
/// Scratch matrices are cached per calling thread and only grow.
/// </summary>
internal static class Conv2dHost
{
    // Per calling thread: the patch matrix (col, reused as dcol in backward) and the
    // pixel-major [N·P·Q, K] matrix (GEMM output in forward, dyᵀ in backward).
    [ThreadStatic] private static float[]? colScratch;
    [ThreadStatic] private static float[]? pixScratch;

    private static float[] Scratch(ref float[]? cache, long length)
    {
        if (cache is null || cache.Length < length)
            cache = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(length, 1)));
        return cache;
    }

    private static (float[] Array, int Offset) Raw(Tensor<float> t) => (((HostBuffer<float>)t.Buffer).Array, checked((int)t.Offset));

    /// <summary>Images per parallel chunk: enough im2col work per thread to pay for the split.</summary>
    private static long MinImages(in Conv2dDims d) => Math.Max(1, 32768 / Math.Max(1, (long)d.PQ * d.CRS));

    public static void Forward(Tensor<float> x, Tensor<float> w, Tensor<float>? b, Tensor<float> y, Conv2dDims d, bool relu)
    {
        var col = Scratch(ref colScratch, (long)d.M * d.CRS);
        var pix = Scratch(ref pixScratch, (long)d.M * d.K);
        var (xa, xo) = Raw(x);
        HostParallel.For(d.N, MinImages(d), (n0, n1) =>
        {
            for (int n = (int)n0; n < n1; n++) Im2Col(xa, xo, col, n, d);
        });
        // pix [N·P·Q, K] = col · Wᵀ (+ b per column, ReLU): one GEMM for the whole batch.
        GemmHost.Run(col.AsSpan(0, d.M * d.CRS), false, w.Span, true, pix.AsSpan(0, d.M * d.K), d.M, d.K, d.CRS,
            1f, 0f, b is null ? default : b.Span, b is not null, relu);
        var (ya, yo) = Raw(y);
        HostParallel.For(d.N, Math.Max(1, 16384 / Math.Max(1, (long)d.PQ * d.K)), (n0, n1) =>
        {
            for (int n = (int)n0; n < n1; n++)
                Transpose(pix, n * d.PQ * d.K, d.PQ, d.K, ya, yo + n * d.K * d.PQ);
        });
    }

    public static void Backward(Tensor<float> x, Tensor<float> w, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dw, Tensor<float>? db, Conv2dDims d)
    {
        var col = Scratch(ref colScratch, (long)d.M * d.CRS);
        var dyt = Scratch(ref pixScratch, (long)d.M * d.K);
        var (xa, xo) = Raw(x);
        var (dya, dyo) = Raw(dy);

        if (db is not null) BiasGrad(dy.Span, db.Span, d);

        // dyt [N·P·Q, K] = dy transposed per image; col = im2col(x).
        HostParallel.For(d.N, MinImages(d), (n0, n1) =>
        {
            for (int n = (int)n0; n < n1; n++)
            {
                Transpose(dya, dyo + n * d.K * d.PQ, d.K, d.PQ, dyt, n * d.PQ * d.K);
                Im2Col(xa, xo, col, n, d);
            }
        });

        // dw [K, CRS] += dytᵀ · col.
        GemmHost.Run(dyt.AsSpan(0, d.M * d.K), true, col.AsSpan(0, d.M * d.CRS), false, dw.Span, d.K, d.CRS, d.M,
            1f, 1f, default, false, false);

        if (dx is null) return;
        // dcol [N·P·Q, CRS] = dyt · W (into the col buffer, no longer needed), then dx += col2im(dcol).
        GemmHost.Run(dyt.AsSpan(0, d.M * d.K), false, w.Span, false, col.AsSpan(0, d.M * d.CRS), d.M, d.CRS, d.K,
            1f, 0f, default, false, false);
        var (dxa, dxo) = Raw(dx);
        HostParallel.For(d.N, MinImages(d), (n0, n1) =>
        {
            for (int n = (int)n0; n < n1; n++) Col2Im(col, dxa, dxo, n, d);
        });
    }

    /// <summary>Rows n·PQ … (n+1)·PQ of col: the zero-padded C×R×S patch under each output pixel of image n.</summary>
    private static void Im2Col(float[] x, int xOffset, float[] col, int n, in Conv2dDims d)
    {
        var xs = x.AsSpan(xOffset + n * d.C * d.HW, d.C * d.HW);
        int row = n * d.PQ * d.CRS;
        for (int p = 0; p < d.P; p++)
        {
            int h0 = p * d.Stride - d.Pad;
            for (int q = 0; q < d.Q; q++, row += d.CRS)
            {
                int w0 = q * d.Stride - d.Pad;
                int sLo = Math.Max(0, -w0), sHi = Math.Min(d.S, d.W - w0);
                var dst = col.AsSpan(row, d.CRS);
                int o = 0;
                for (int c = 0; c < d.C; c++)
                    for (int r = 0; r < d.R; r++, o += d.S)
                    {
                        int h = h0 + r;
                        var seg = dst.Slice(o, d.S);
                        if (h < 0 || h >= d.H || sLo >= sHi) { seg.Clear(); continue; }
                        if (sLo > 0) seg[..sLo].Clear();
                        xs.Slice(c * d.HW + h * d.W + w0 + sLo, sHi - sLo).CopyTo(seg[sLo..]);
                        if (sHi < d.S) seg[sHi..].Clear();
                    }
            }
        }
    }

    /// <summary>dx[n] += the patches of dcol's rows for image n, added back where they were taken from.</summary>
    private static void Col2Im(float[] dcol, float[] dx, int dxOffset, int n, in Conv2dDims d)
    {
        var dst = dx.AsSpan(dxOffset + n * d.C * d.HW, d.C * d.HW);
        int row = n * d.PQ * d.CRS;
        for (int p = 0; p < d.P; p++)
        {
            int h0 = p * d.Stride - d.Pad;
            for (int q = 0; q < d.Q; q++, row += d.CRS)
            {
                int w0 = q * d.Stride - d.Pad;
                int sLo = Math.Max(0, -w0), sHi = Math.Min(d.S, d.W - w0);
                if (sLo >= sHi) continue;
                var src = dcol.AsSpan(row, d.CRS);
                int o = 0;
                for (int c = 0; c < d.C; c++)
                    for (int r = 0; r < d.R; r++, o += d.S)
                    {
                        int h = h0 + r;
                        if (h < 0 || h >= d.H) continue;
                        Add(src.Slice(o + sLo, sHi - sLo), dst.Slice(c * d.HW + h * d.W + w0 + sLo, sHi - sLo));
                    }
            }
        }
    }

    /// <summary>dst += src.</summary>
    private static void Add(ReadOnlySpan<float> src, Span<float> dst)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= src.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(dst[i..]) + new Vector<float>(src[i..])).CopyTo(dst[i..]);
        for (; i < src.Length; i++) dst[i] += src[i];
    }

    /// <summary>dst[j·rows + i] = src[i·cols + j] for an rows×cols block.</summary>
    private static void Transpose(float[] src, int srcOffset, int rows, int cols, float[] dst, int dstOffset)
    {
        const int B = 16;
        for (int i0 = 0; i0 < rows; i0 += B)
        {
            int i1 = Math.Min(rows, i0 + B);
            for (int j0 = 0; j0 < cols; j0 += B)
            {
                int j1 = Math.Min(cols, j0 + B);
                for (int i = i0; i < i1; i++)
                {
                    int s = srcOffset + i * cols;
                    for (int j = j0; j < j1; j++) dst[dstOffset + j * rows + i] = src[s + j];
                }
            }
        }
    }

    /// <summary>db[k] += Σ_n Σ_pq dy[n,k,pq], images summed in order.</summary>
    private static void BiasGrad(ReadOnlySpan<float> dy, Span<float> db, in Conv2dDims d)
    {
        for (int k = 0; k < d.K; k++)
        {
            float total = 0;
            for (int n = 0; n < d.N; n++) total += Sum(dy.Slice((n * d.K + k) * d.PQ, d.PQ));
            db[k] += total;
        }
    }

    private static float Sum(ReadOnlySpan<float> a)
    {
        int i = 0;
        var acc = Vector<float>.Zero;
        if (Vector.IsHardwareAccelerated)
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count) acc += new Vector<float>(a[i..]);
        float s = Vector.Sum(acc);
        for (; i < a.Length; i++) s += a[i];
        return s;
    }
}
