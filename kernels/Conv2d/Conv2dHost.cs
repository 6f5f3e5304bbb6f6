using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Host convolution, one image at a time so the patch matrix stays in cache: per image,
/// im2col into col [P·Q, C·R·S] (one row per output pixel, a per-thread scratch of a few
/// hundred KB), then y[n] [K, P·Q] = W [K, C·R·S] · colᵀ with <see cref="GemmHost"/> on the
/// calling thread, written straight in NCHW order (no transpose). The batch is split into
/// one contiguous run of images per core. Backward, per image: dw_part += dy[n] [K, P·Q] · col,
/// dcol = dy[n]ᵀ · W, then col2im into dx[n]. Worker 0 accumulates into dw itself, every other
/// worker into its own partial buffer, and the partials are added to dw in worker order, so
/// the result depends only on the shapes and the core count, never on thread timing.
/// </summary>
internal static class Conv2dHost
{
    // Per executing thread: one image's patch matrix (reused as dcol in backward).
    [ThreadStatic] private static float[]? colScratch;
    // Per calling thread: the partial dw of workers 1.. in backward.
    [ThreadStatic] private static float[]? dwPartials;

    private static float[] Scratch(ref float[]? cache, long length)
    {
        if (cache is null || cache.Length < length)
            cache = GC.AllocateUninitializedArray<float>(checked((int)Math.Max(length, 1)));
        return cache;
    }

    private static (float[] Array, int Offset) Raw(Tensor<float> t) => (((HostBuffer<float>)t.Buffer).Array, checked((int)t.Offset));

    /// <summary>How many cores to split the batch over: each needs about a megaflop of work to pay for the split.</summary>
    private static int Workers(in Conv2dDims d)
    {
        long perImage = 2L * d.K * d.PQ * d.CRS;
        long minImages = Math.Max(1, (1L << 20) / Math.Max(1, perImage));
        return (int)Math.Max(1, Math.Min(Environment.ProcessorCount, d.N / minImages));
    }

    /// <summary>Images [start, end) of worker w when N images are split over <paramref name="workers"/>.</summary>
    internal static (int Start, int End) Range(int w, int workers, int n)
    {
        int chunk = (n + workers - 1) / workers;
        return (Math.Min(n, w * chunk), Math.Min(n, (w + 1) * chunk));
    }

    internal static void RunWorkers(int workers, Action<int> body)
    {
        if (workers <= 1) body(0);
        else HostParallel.For(workers, 1, (s, e) =>
        {
            for (long w = s; w < e; w++) body((int)w);
        });
    }

    public static void Forward(Tensor<float> x, Tensor<float> w, Tensor<float>? b, Tensor<float> y, Conv2dDims d, bool relu)
    {
        var (xa, xo) = Raw(x);
        var (ya, yo) = Raw(y);
        var wa = Raw(w);
        float[]? ba = null;
        int bo = 0;
        if (b is not null) (ba, bo) = Raw(b);
        int workers = Workers(d);
        bool rows = Conv2dHostRows.Supports(d);
        if (rows || Conv2dHostDirect.Supports(d))
        {
            unsafe
            {
                fixed (float* px = xa, pw = wa.Array, py = ya, pb = ba)
                {
                    float* bias = pb == null ? null : pb + bo;
                    if (rows) Conv2dHostRows.Forward(px + xo, pw + wa.Offset, bias, py + yo, d, relu, workers);
                    else Conv2dHostDirect.Forward(px + xo, pw + wa.Offset, bias, py + yo, d, relu, workers);
                }
            }
            return;
        }
        RunWorkers(workers, worker =>
        {
            var (n0, n1) = Range(worker, workers, d.N);
            if (n0 >= n1) return;
            var col = Scratch(ref colScratch, (long)d.PQ * d.CRS);
            var wSpan = wa.Array.AsSpan(wa.Offset, d.K * d.CRS);
            var colSpan = col.AsSpan(0, d.PQ * d.CRS);
            for (int n = n0; n < n1; n++)
            {
                Im2Col(xa, xo, col, n, d);
                var yImg = ya.AsSpan(yo + n * d.K * d.PQ, d.K * d.PQ);
                if (ba is not null)
                    for (int k = 0; k < d.K; k++) yImg.Slice(k * d.PQ, d.PQ).Fill(ba[bo + k]);
                // y[n] [K, PQ] = W [K, CRS] · colᵀ (+ the bias already in y, per row), ReLU.
                GemmHost.Run(wSpan, false, colSpan, true, yImg, d.K, d.PQ, d.CRS,
                    1f, ba is null ? 0f : 1f, default, false, relu, parallel: false);
            }
        });
    }

    public static void Backward(Tensor<float> x, Tensor<float> w, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dw, Tensor<float>? db, Conv2dDims d)
    {
        var (xa, xo) = Raw(x);
        var (dya, dyo) = Raw(dy);
        var wa = Raw(w);
        var dwa = Raw(dw);
        float[]? dxa = null;
        int dxo = 0;
        if (dx is not null) (dxa, dxo) = Raw(dx);

        if (db is not null) BiasGrad(dy, db, d);

        int workers = Workers(d), kcrs = d.K * d.CRS;
        var partials = workers > 1 ? Scratch(ref dwPartials, (long)(workers - 1) * kcrs) : null;
        // The direct kernels compute dw and dx without an im2col buffer; other shapes go through
        // col (dw) and dcol + col2im (dx) below.
        bool dwDirect = Conv2dHostDirect.Supports(d);
        if (dwDirect)
        {
            unsafe
            {
                fixed (float* px = xa, pdy = dya, pdw = dwa.Array, pp = partials)
                    Conv2dHostDirect.WeightGrad(px + xo, pdy + dyo, pdw + dwa.Offset, pp, d, workers);
            }
        }
        if (dxa is not null && Conv2dHostInputGrad.Supports(d))
        {
            unsafe
            {
                fixed (float* pdy = dya, pw = wa.Array, pdx = dxa)
                    Conv2dHostInputGrad.Run(pdy + dyo, pw + wa.Offset, pdx + dxo, d, workers);
            }
            dxa = null;   // done
        }
        if (!dwDirect || dxa is not null) RunWorkers(workers, worker =>
        {
            var (n0, n1) = Range(worker, workers, d.N);
            // Worker 0 adds into dw; the others start their partial from zero (no dw here when direct).
            var acc = dwDirect ? default : worker == 0 ? dwa.Array.AsSpan(dwa.Offset, kcrs) : partials!.AsSpan((worker - 1) * kcrs, kcrs);
            if (n0 >= n1)
            {
                if (worker != 0) acc.Clear();
                return;
            }
            var col = Scratch(ref colScratch, (long)d.PQ * d.CRS);
            var wSpan = wa.Array.AsSpan(wa.Offset, kcrs);
            var colSpan = col.AsSpan(0, d.PQ * d.CRS);
            for (int n = n0; n < n1; n++)
            {
                var dyImg = dya.AsSpan(dyo + n * d.K * d.PQ, d.K * d.PQ);
                if (!dwDirect)
                {
                    Im2Col(xa, xo, col, n, d);
                    // dw (or the partial) [K, CRS] += dy[n] [K, PQ] · col [PQ, CRS].
                    GemmHost.Run(dyImg, false, colSpan, false, acc, d.K, d.CRS, d.PQ,
                        1f, worker != 0 && n == n0 ? 0f : 1f, default, false, false, parallel: false);
                }
                if (dxa is null) continue;
                // dcol [PQ, CRS] = dy[n]ᵀ · W (into col, no longer needed), then dx[n] += col2im(dcol).
                GemmHost.Run(dyImg, true, wSpan, false, colSpan, d.PQ, d.CRS, d.K,
                    1f, 0f, default, false, false, parallel: false);
                Col2Im(col, dxa, dxo, n, d);
            }
        });
        if (partials is null) return;
        var dwSpan = dwa.Array.AsSpan(dwa.Offset, kcrs);
        for (int p = 0; p < workers - 1; p++) Add(partials.AsSpan(p * kcrs, kcrs), dwSpan);
    }

    /// <summary>dst += src, element-wise.</summary>
    private static unsafe void Add(Span<float> src, Span<float> dst)
    {
        fixed (float* s = src, t = dst) Add(s, t, src.Length);
    }

    /// <summary>col [PQ, CRS] of image n: the zero-padded C×R×S patch under each output pixel of image n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
    private static unsafe void Im2Col(float[] x, int xOffset, float[] col, int n, in Conv2dDims d)
    {
        if (d.Pad == 0)
        {
            Im2ColUnpadded(x, xOffset, col, n, d);
            return;
        }
        int sw = d.S;
        fixed (float* xBase = x, colBase = col)
        {
            float* img = xBase + xOffset + (long)n * d.C * d.HW;
            float* dst = colBase;
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

    /// <summary>dx[n] += the patches of dcol [PQ, CRS] (image n), added back where they were taken from.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
    private static unsafe void Col2Im(float[] dcol, float[] dx, int dxOffset, int n, in Conv2dDims d)
    {
        if (d.Pad == 0)
        {
            Col2ImUnpadded(dcol, dx, dxOffset, n, d);
            return;
        }
        int sw = d.S;
        fixed (float* dxBase = dx, colBase = dcol)
        {
            float* img = dxBase + dxOffset + (long)n * d.C * d.HW;
            float* src = colBase;
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

    /// <summary>
    /// <see cref="Im2Col"/> without padding (every patch lies inside the image, as in the Nature
    /// stack): no bounds checks, and the common row widths (8, 4, 3) copied with one vector or
    /// a fixed number of scalars.
    /// </summary>
    private static unsafe void Im2ColUnpadded(float[] x, int xOffset, float[] col, int n, in Conv2dDims d)
    {
        fixed (float* xBase = x, colBase = col)
            WalkUnpadded<PatchToCol>(xBase + xOffset + (long)n * d.C * d.HW, colBase, d);
    }

    /// <summary><see cref="Col2Im"/> without padding: no bounds checks, fixed-width adds for rows of 8, 4 and 3.</summary>
    private static unsafe void Col2ImUnpadded(float[] dcol, float[] dx, int dxOffset, int n, in Conv2dDims d)
    {
        fixed (float* dxBase = dx, colBase = dcol)
            WalkUnpadded<ColToPatch>(dxBase + dxOffset + (long)n * d.C * d.HW, colBase, d);
    }

    /// <summary>
    /// Walks one image's unpadded patches in col order ([PQ, CRS]: pixel, channel, kernel row) and
    /// hands each kernel row (S values in the image, the next S in col) to <typeparamref name="TRow"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
    private static unsafe void WalkUnpadded<TRow>(float* img, float* col, in Conv2dDims d) where TRow : struct, IPatchRow
    {
        int sw = d.S, width = d.W, hw = d.HW;
        for (int p = 0; p < d.P; p++)
            for (int q = 0; q < d.Q; q++)
            {
                float* patch = img + p * d.Stride * width + q * d.Stride;
                for (int c = 0; c < d.C; c++)
                {
                    float* row = patch + c * hw;
                    for (int r = 0; r < d.R; r++, row += width, col += sw) TRow.Apply(row, col, sw);
                }
            }
    }

    /// <summary>What <see cref="WalkUnpadded"/> does with one kernel row of an image and its place in col.</summary>
    private unsafe interface IPatchRow
    {
        static abstract void Apply(float* image, float* col, int width);
    }

    /// <summary>im2col: col = the image row.</summary>
    private readonly unsafe struct PatchToCol : IPatchRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Apply(float* image, float* col, int width)
        {
            if (width == 8) Vector256.Store(Vector256.Load(image), col);
            else if (width == 4) Vector128.Store(Vector128.Load(image), col);
            else if (width == 3) { col[0] = image[0]; col[1] = image[1]; col[2] = image[2]; }
            else Copy(image, col, width);
        }
    }

    /// <summary>col2im: the image row += col.</summary>
    private readonly unsafe struct ColToPatch : IPatchRow
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Apply(float* image, float* col, int width)
        {
            if (width == 8) Vector256.Store(Vector256.Load(image) + Vector256.Load(col), image);
            else if (width == 4) Vector128.Store(Vector128.Load(image) + Vector128.Load(col), image);
            else if (width == 3) { image[0] += col[0]; image[1] += col[1]; image[2] += col[2]; }
            else Add(col, image, width);
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

    /// <summary>
    /// db[k] += Σ_{n,p,q} dy[n, k, p, q]: per channel, four vector accumulators run over every image's
    /// plane and are summed once at the end (one horizontal sum per channel, not per plane: MinAtar's
    /// 32 × 16 planes of 64 took 12.5 µs one plane at a time). A fixed order, whatever the core count.
    /// </summary>
    private static void BiasGrad(Tensor<float> dyT, Tensor<float> dbT, Conv2dDims d)
    {
        // Channels over the cores (each channel's sum in the same order whatever the split): the
        // gradient dy was just written by both cores, and one core reading it all back took ~1% of a
        // MinAtar update on its own.
        HostParallel.For(d.K, Math.Max(1, 8192 / Math.Max(1, (long)d.N * d.PQ)), (k0, k1) => BiasGrad(dyT.Span, dbT.Span, d, (int)k0, (int)k1));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loops: skip the tier-0 JIT
    private static void BiasGrad(ReadOnlySpan<float> dy, Span<float> db, in Conv2dDims d, int k0, int k1)
    {
        int w = Vector<float>.Count, pq = d.PQ;
        for (int k = k0; k < k1; k++)
        {
            Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
            float tail = 0;
            for (int n = 0; n < d.N; n++)
            {
                var plane = dy.Slice((n * d.K + k) * pq, pq);
                int i = 0;
                if (Vector.IsHardwareAccelerated)
                {
                    for (; i <= pq - 4 * w; i += 4 * w)
                    {
                        a0 += new Vector<float>(plane[i..]);
                        a1 += new Vector<float>(plane[(i + w)..]);
                        a2 += new Vector<float>(plane[(i + 2 * w)..]);
                        a3 += new Vector<float>(plane[(i + 3 * w)..]);
                    }
                    for (; i <= pq - w; i += w) a0 += new Vector<float>(plane[i..]);
                }
                for (; i < pq; i++) tail += plane[i];
            }
            db[k] += Vector.Sum((a0 + a1) + (a2 + a3)) + tail;
        }
    }
}
