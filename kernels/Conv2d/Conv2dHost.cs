using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
    private static unsafe void Im2Col(float[] x, int xOffset, float[] col, int n, in Conv2dDims d)
    {
        int sw = d.S;
        fixed (float* xBase = x, colBase = col)
        {
            float* img = xBase + xOffset + (long)n * d.C * d.HW;
            float* dst = colBase + (long)n * d.PQ * d.CRS;
            for (int p = 0; p < d.P; p++)
            {
                int h0 = p * d.Stride - d.Pad;
                for (int q = 0; q < d.Q; q++)
                {
                    int w0 = q * d.Stride - d.Pad;
                    int sLo = Math.Max(0, -w0), sHi = Math.Min(sw, d.W - w0);
                    bool full = sLo == 0 && sHi == sw, none = sLo >= sHi;
                    for (int c = 0; c < d.C; c++)
                    {
                        float* plane = img + (long)c * d.HW;
                        for (int r = 0; r < d.R; r++, dst += sw)
                        {
                            int h = h0 + r;
                            if ((uint)h >= (uint)d.H || none)
                            {
                                new Span<float>(dst, sw).Clear();
                                continue;
                            }
                            float* src = plane + h * d.W + w0; // src[s] is valid for s in [sLo, sHi)
                            if (full) Copy(src, dst, sw);
                            else
                                for (int t = 0; t < sw; t++) dst[t] = t >= sLo && t < sHi ? src[t] : 0f;
                        }
                    }
                }
            }
        }
    }

    /// <summary>dx[n] += the patches of dcol's rows for image n, added back where they were taken from.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
    private static unsafe void Col2Im(float[] dcol, float[] dx, int dxOffset, int n, in Conv2dDims d)
    {
        int sw = d.S;
        fixed (float* dxBase = dx, colBase = dcol)
        {
            float* img = dxBase + dxOffset + (long)n * d.C * d.HW;
            float* src = colBase + (long)n * d.PQ * d.CRS;
            for (int p = 0; p < d.P; p++)
            {
                int h0 = p * d.Stride - d.Pad;
                for (int q = 0; q < d.Q; q++)
                {
                    int w0 = q * d.Stride - d.Pad;
                    int sLo = Math.Max(0, -w0), sHi = Math.Min(sw, d.W - w0);
                    if (sLo >= sHi)
                    {
                        src += d.CRS;
                        continue;
                    }
                    for (int c = 0; c < d.C; c++)
                    {
                        float* plane = img + (long)c * d.HW;
                        for (int r = 0; r < d.R; r++, src += sw)
                        {
                            int h = h0 + r;
                            if ((uint)h >= (uint)d.H) continue;
                            float* dst = plane + h * d.W + w0;
                            Add(src + sLo, dst + sLo, sHi - sLo);
                        }
                    }
                }
            }
        }
    }

    /// <summary>dst[0..count) = src[0..count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Copy(float* src, float* dst, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= count - 8; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] = src[i];
    }

    /// <summary>dst[0..count) += src[0..count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Add(float* src, float* dst, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= count - 8; i += 8) Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        for (; i < count; i++) dst[i] += src[i];
    }

    /// <summary>dst[j·rows + i] = src[i·cols + j] for a rows×cols block, in 16×16 tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
    private static unsafe void Transpose(float[] src, int srcOffset, int rows, int cols, float[] dst, int dstOffset)
    {
        const int B = 16;
        fixed (float* sBase = src, dBase = dst)
        {
            float* sp = sBase + srcOffset, dp = dBase + dstOffset;
            for (int i0 = 0; i0 < rows; i0 += B)
            {
                int i1 = Math.Min(rows, i0 + B);
                for (int j0 = 0; j0 < cols; j0 += B)
                {
                    int j1 = Math.Min(cols, j0 + B);
                    for (int j = j0; j < j1; j++)
                    {
                        float* o = dp + (long)j * rows;
                        for (int i = i0; i < i1; i++) o[i] = sp[(long)i * cols + j];
                    }
                }
            }
        }
    }

    /// <summary>db[k] += Σ_n Σ_pq dy[n,k,pq], images summed in order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
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
