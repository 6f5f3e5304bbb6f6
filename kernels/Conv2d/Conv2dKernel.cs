using System.Runtime.CompilerServices;
using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>
/// Conv2d as implicit GEMM on ILGPU. Forward multiplies the virtual im2col matrix
/// col [N·P·Q, C·R·S] by Wᵀ [C·R·S, K]: each group of 256 threads owns a 64×64 output tile
/// (4×4 per thread) and walks the reduction in steps of 32, gathering the next step's im2col
/// slice (zero padding included) and W slice into a second shared buffer while it computes on
/// the first (one barrier per step). When the tiles are fewer than the multiprocessors, the
/// reduction is split into chunks summed in order by a second pass. dw [K, C·R·S] = dyᵀ·col is the
/// same tiling with the reduction over N·P·Q, split into fixed chunks written to a partial
/// buffer and summed in order by a second pass (no atomics). dx is the same tiling again into an
/// im2col-shaped buffer (dy · W over the filters), then a gather of the (p, q, r, s) that touch
/// each element. db is one group per channel, summed in a fixed order (ReduceKernel.GroupSum).
/// </summary>
internal static class Conv2dKernel
{
    private const int Group = 256, TileM = 64, TileN = 64, TileK = 32, Loads = TileK * TileM / Group;

    // ---------------------------------------------------------------- forward
    private static void ForwardKernel(ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y, ArrayView<float> partial, Conv2dDims d, SplitInfo sp)
    {
        // Two buffers each: step i computes on one while loading step i+1 into the other,
        // so each step needs one barrier instead of two.
        var xs = SharedMemory.Allocate<float>(2 * TileK * TileM); // [buf][kk][mm]: im2col slice
        var ws = SharedMemory.Allocate<float>(2 * TileK * TileN); // [buf][kk][nn]: Wᵀ slice
        int tid = ILGPU.Group.IdxX;
        int tx = tid % 16, ty = tid / 16;
        int mTiles = (d.M + TileM - 1) / TileM, nTiles = (d.K + TileN - 1) / TileN, tiles = mTiles * nTiles;
        for (int t = Grid.IdxX; t < tiles * sp.Splits; t += Grid.DimX)
        {
            // Split-K over the reduction: this group sums taps [jBegin, jEnd) of one output tile.
            int split = t / tiles, tile = t - split * tiles;
            int jBegin = split * sp.Chunk, jEnd = IntrinsicMath.Min(d.CRS, jBegin + sp.Chunk);
            int steps = IntrinsicMath.Max(0, (jEnd - jBegin + TileK - 1) / TileK);
            int m0 = (tile % mTiles) * TileM, k0 = (tile / mTiles) * TileN;
            // The output pixel whose patch this thread gathers (the same for the whole reduction).
            int lm = tid % TileM, gm = m0 + lm;
            bool mOk = gm < d.M;
            int n = mOk ? gm / d.PQ : 0, pq = gm - n * d.PQ, p = pq / d.Q, q = pq - p * d.Q;
            int h0 = p * d.Stride - d.Pad, w0 = q * d.Stride - d.Pad, xBase = n * d.C * d.HW;

            float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
            float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
            if (steps > 0)
            {
                LoadForward(xs, ws, 0, x, w, d, tid, lm, mOk, xBase, h0, w0, jBegin, jEnd, k0);
                ILGPU.Group.Barrier();
            }
            for (int step = 0; step < steps; step++)
            {
                int cur = (step & 1) * TileK * TileM;
                for (int kk = 0; kk < TileK; kk++)
                {
                    int xo = cur + kk * TileM + tx, wo = cur + kk * TileN + ty;
                    float x0 = xs[xo], x1 = xs[xo + 16], x2 = xs[xo + 32], x3 = xs[xo + 48];
                    float w0_ = ws[wo], w1 = ws[wo + 16], w2 = ws[wo + 32], w3 = ws[wo + 48];
                    a00 += x0 * w0_; a01 += x0 * w1; a02 += x0 * w2; a03 += x0 * w3;
                    a10 += x1 * w0_; a11 += x1 * w1; a12 += x1 * w2; a13 += x1 * w3;
                    a20 += x2 * w0_; a21 += x2 * w1; a22 += x2 * w2; a23 += x2 * w3;
                    a30 += x3 * w0_; a31 += x3 * w1; a32 += x3 * w2; a33 += x3 * w3;
                }
                if (step + 1 < steps)
                    LoadForward(xs, ws, TileK * TileM - cur, x, w, d, tid, lm, mOk, xBase, h0, w0, jBegin + (step + 1) * TileK, jEnd, k0);
                ILGPU.Group.Barrier();
            }
            int mA = m0 + tx, kA = k0 + ty;
            // One split: the finished output. Several: this chunk's raw sums, in y's layout, at partial[split].
            var dst = sp.Splits == 1 ? y : partial.SubView((long)split * d.N * d.K * d.PQ);
            int fin = sp.Splits == 1 ? 1 : 0;
            Store(dst, b, d, fin, mA, kA, a00); Store(dst, b, d, fin, mA, kA + 16, a01); Store(dst, b, d, fin, mA, kA + 32, a02); Store(dst, b, d, fin, mA, kA + 48, a03);
            Store(dst, b, d, fin, mA + 16, kA, a10); Store(dst, b, d, fin, mA + 16, kA + 16, a11); Store(dst, b, d, fin, mA + 16, kA + 32, a12); Store(dst, b, d, fin, mA + 16, kA + 48, a13);
            Store(dst, b, d, fin, mA + 32, kA, a20); Store(dst, b, d, fin, mA + 32, kA + 16, a21); Store(dst, b, d, fin, mA + 32, kA + 32, a22); Store(dst, b, d, fin, mA + 32, kA + 48, a23);
            Store(dst, b, d, fin, mA + 48, kA, a30); Store(dst, b, d, fin, mA + 48, kA + 16, a31); Store(dst, b, d, fin, mA + 48, kA + 32, a32); Store(dst, b, d, fin, mA + 48, kA + 48, a33);
        }
    }

    /// <summary>Loads reduction step j0 (taps below jEnd) into buffer offset bo: the im2col slice of this thread's pixel and a Wᵀ slice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadForward(ArrayView<float> xs, ArrayView<float> ws, int bo, ArrayView<float> x, ArrayView<float> w, in Conv2dDims d,
        int tid, int lm, bool mOk, int xBase, int h0, int w0, int j0, int jEnd, int k0)
    {
        for (int l = 0; l < Loads; l++)
        {
            int kk = tid / TileM + (Group / TileM) * l, j = j0 + kk;
            xs[bo + kk * TileM + lm] = mOk && j < jEnd ? Gather(x, d, xBase, h0, w0, j) : 0f;
            int nn = tid / TileK + (Group / TileK) * l, jw = j0 + tid % TileK, kf = k0 + nn;
            ws[bo + (tid % TileK) * TileN + nn] = kf < d.K && jw < jEnd ? w[kf * d.CRS + jw] : 0f;
        }
    }

    /// <summary>col[m, j] for the pixel at (h0, w0) of the image at xBase: x[c, h0 + r, w0 + s] or 0 outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Gather(ArrayView<float> x, in Conv2dDims d, int xBase, int h0, int w0, int j)
    {
        int c = j / d.RS, rs = j - c * d.RS, r = rs / d.S, s = rs - r * d.S;
        int h = h0 + r, wi = w0 + s;
        return h >= 0 && h < d.H && wi >= 0 && wi < d.W ? x[xBase + c * d.HW + h * d.W + wi] : 0f;
    }

    /// <summary>Stores output (m, k) in NCHW order: finished (bias, ReLU) when <paramref name="finish"/> is 1, else raw.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ArrayView<float> y, ArrayView<float> b, in Conv2dDims d, int finish, int m, int k, float v)
    {
        if (m >= d.M || k >= d.K) return;
        int n = m / d.PQ;
        int idx = (n * d.K + k) * d.PQ + (m - n * d.PQ);
        y[idx] = finish != 0 ? Finish(v, b, d, k) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(float v, ArrayView<float> b, in Conv2dDims d, int k)
    {
        if (d.HasBias != 0) v += b[k];
        if (d.Relu != 0) v = IntrinsicMath.Max(v, 0f);
        return v;
    }

    /// <summary>Split-K's second pass: y = Σ_split partial[split] in split order, then bias and ReLU.</summary>
    private static void ForwardSumKernel(ArrayView<float> partial, ArrayView<float> b, ArrayView<float> y, Conv2dDims d, int splits)
    {
        int length = d.N * d.K * d.PQ;
        for (int i = Stride.Start; i < length; i += Stride.Step)
        {
            float v = 0;
            for (int z = 0; z < splits; z++) v += partial[z * length + i];
            y[i] = Finish(v, b, d, i / d.PQ % d.K);
        }
    }

    // ---------------------------------------------------------------- dw
    // dw [K, CRS] = Σ_m dyᵀ[k, m] · col[m, j]. Tile: 64 filters × 64 taps; reduction chunk
    // [split·chunk, (split+1)·chunk) of m. One split: dw += tile directly; several: partial[split] = tile.
    internal readonly struct SplitInfo(int splits, int chunk)
    {
        public readonly int Splits = splits, Chunk = chunk;
    }

    private static void WeightGradKernel(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> partial, Conv2dDims d, SplitInfo sp)
    {
        var ds = SharedMemory.Allocate<float>(2 * TileK * TileM); // [buf][rr][kk]: dyᵀ slice
        var xs = SharedMemory.Allocate<float>(2 * TileK * TileN); // [buf][rr][jj]: im2col slice
        int tid = ILGPU.Group.IdxX;
        int tx = tid % 16, ty = tid / 16;
        int kTiles = (d.K + TileM - 1) / TileM, jTiles = (d.CRS + TileN - 1) / TileN, tiles = kTiles * jTiles;
        for (int t = Grid.IdxX; t < tiles * sp.Splits; t += Grid.DimX)
        {
            int split = t / tiles, tt = t - split * tiles;
            int k0 = (tt % kTiles) * TileM, j0 = (tt / kTiles) * TileN;
            int mBegin = split * sp.Chunk, mEnd = IntrinsicMath.Min(d.M, mBegin + sp.Chunk);
            int steps = IntrinsicMath.Max(0, (mEnd - mBegin + TileK - 1) / TileK);

            float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
            float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
            if (steps > 0)
            {
                LoadWeightGrad(ds, xs, 0, x, dy, d, tid, mBegin, mEnd, k0, j0);
                ILGPU.Group.Barrier();
            }
            for (int step = 0; step < steps; step++)
            {
                int cur = (step & 1) * TileK * TileM;
                for (int r = 0; r < TileK; r++)
                {
                    int o = cur + r * TileM;
                    float g0 = ds[o + ty], g1 = ds[o + ty + 16], g2 = ds[o + ty + 32], g3 = ds[o + ty + 48];
                    float c0 = xs[o + tx], c1 = xs[o + tx + 16], c2 = xs[o + tx + 32], c3 = xs[o + tx + 48];
                    a00 += g0 * c0; a01 += g0 * c1; a02 += g0 * c2; a03 += g0 * c3;
                    a10 += g1 * c0; a11 += g1 * c1; a12 += g1 * c2; a13 += g1 * c3;
                    a20 += g2 * c0; a21 += g2 * c1; a22 += g2 * c2; a23 += g2 * c3;
                    a30 += g3 * c0; a31 += g3 * c1; a32 += g3 * c2; a33 += g3 * c3;
                }
                if (step + 1 < steps)
                    LoadWeightGrad(ds, xs, TileK * TileM - cur, x, dy, d, tid, mBegin + (step + 1) * TileK, mEnd, k0, j0);
                ILGPU.Group.Barrier();
            }
            int kA = k0 + ty, jA = j0 + tx;
            var dst = sp.Splits == 1 ? dw : partial;
            int baseOff = sp.Splits == 1 ? 0 : split * d.K * d.CRS;
            int add = sp.Splits == 1 ? 1 : 0;
            Put(dst, d, baseOff, add, kA, jA, a00); Put(dst, d, baseOff, add, kA, jA + 16, a01); Put(dst, d, baseOff, add, kA, jA + 32, a02); Put(dst, d, baseOff, add, kA, jA + 48, a03);
            Put(dst, d, baseOff, add, kA + 16, jA, a10); Put(dst, d, baseOff, add, kA + 16, jA + 16, a11); Put(dst, d, baseOff, add, kA + 16, jA + 32, a12); Put(dst, d, baseOff, add, kA + 16, jA + 48, a13);
            Put(dst, d, baseOff, add, kA + 32, jA, a20); Put(dst, d, baseOff, add, kA + 32, jA + 16, a21); Put(dst, d, baseOff, add, kA + 32, jA + 32, a22); Put(dst, d, baseOff, add, kA + 32, jA + 48, a23);
            Put(dst, d, baseOff, add, kA + 48, jA, a30); Put(dst, d, baseOff, add, kA + 48, jA + 16, a31); Put(dst, d, baseOff, add, kA + 48, jA + 32, a32); Put(dst, d, baseOff, add, kA + 48, jA + 48, a33);
        }
    }

    /// <summary>Loads reduction rows [mb, mb + TileK) into buffer offset bo: dyᵀ rows for k0.. and im2col rows for j0...</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadWeightGrad(ArrayView<float> ds, ArrayView<float> xs, int bo, ArrayView<float> x, ArrayView<float> dy, in Conv2dDims d,
        int tid, int mb, int mEnd, int k0, int j0)
    {
        int rr = tid % TileK, m = mb + rr; // the reduction row this thread loads
        bool mOk = m < mEnd;
        int n = mOk ? m / d.PQ : 0, pq = mOk ? m - n * d.PQ : 0, p = pq / d.Q, q = pq - p * d.Q;
        int h0 = p * d.Stride - d.Pad, w0 = q * d.Stride - d.Pad, xBase = n * d.C * d.HW;
        for (int l = 0; l < Loads; l++)
        {
            int c4 = tid / TileK + (Group / TileK) * l;
            int kf = k0 + c4, j = j0 + c4;
            ds[bo + rr * TileM + c4] = mOk && kf < d.K ? dy[(n * d.K + kf) * d.PQ + pq] : 0f;
            xs[bo + rr * TileN + c4] = mOk && j < d.CRS ? Gather(x, d, xBase, h0, w0, j) : 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ArrayView<float> dst, in Conv2dDims d, int baseOff, int add, int k, int j, float v)
    {
        if (k >= d.K || j >= d.CRS) return;
        int i = baseOff + k * d.CRS + j;
        dst[i] = add != 0 ? dst[i] + v : v;
    }

    /// <summary>dw[i] += Σ_split partial[split, i], splits summed in order.</summary>
    private static void SumPartialsKernel(ArrayView<float> partial, ArrayView<float> dw, int length, int splits)
    {
        for (int i = Stride.Start; i < length; i += Stride.Step)
        {
            float s = 0;
            for (int k = 0; k < splits; k++) s += partial[k * length + i];
            dw[i] += s;
        }
    }

    // ---------------------------------------------------------------- db
    /// <summary>
    /// db[k] += Σ_{n,pq} dy[n,k,pq]: one group per channel, whose threads walk the channel's
    /// N·PQ values with neighbouring threads on neighbouring addresses, then
    /// <see cref="ReduceKernel.GroupSum"/> adds their sums in a fixed order (no atomics). One
    /// thread per (k, n) row, as before, left a GPU with a few groups each walking 400-long rows
    /// (Nature conv1) one load at a time.
    /// </summary>
    private static void BiasGradKernel(ArrayView<float> dy, ArrayView<float> db, Conv2dDims d)
    {
        var values = SharedMemory.Allocate<float>(Group);
        var sixteen = SharedMemory.Allocate<float>(16);
        int t = ILGPU.Group.IdxX, threads = ILGPU.Group.DimX, count = d.N * d.PQ;
        for (int k = Grid.IdxX; k < d.K; k += Grid.DimX)
        {
            float v = 0;
            for (int e = t; e < count; e += threads)
            {
                int n = e / d.PQ;
                v += dy[(n * d.K + k) * d.PQ + (e - n * d.PQ)];
            }
            float sum = ReduceKernel.GroupSum(values, sixteen, v);
            if (t == 0) db[k] += sum;
        }
    }

    // ---------------------------------------------------------------- dx
    // Two passes. First the im2col-shaped gradient dcol [N·P·Q, C·R·S] = dy as [N·P·Q, K] · W [K, C·R·S],
    // the forward's tiling with the reduction over the K filters. Then col2im as a gather: each dx
    // element adds the dcol entries of the (p, q, r, s) that touch it, so no two threads write one
    // element. A thread per dx element walking all K filters itself (the earlier kernel) made
    // two loads per multiply-add, 0.23 ms of the H200's Nature update per layer.

    private static void InputColKernel(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> col, Conv2dDims d)
    {
        var gs = SharedMemory.Allocate<float>(2 * TileK * TileM); // [buf][kk][mm]: dy slice, one row per output pixel
        var ws = SharedMemory.Allocate<float>(2 * TileK * TileN); // [buf][kk][jj]: W slice
        int tid = ILGPU.Group.IdxX;
        int tx = tid % 16, ty = tid / 16;
        int mTiles = (d.M + TileM - 1) / TileM, jTiles = (d.CRS + TileN - 1) / TileN;
        int steps = (d.K + TileK - 1) / TileK;
        for (int tile = Grid.IdxX; tile < mTiles * jTiles; tile += Grid.DimX)
        {
            int m0 = (tile % mTiles) * TileM, j0 = (tile / mTiles) * TileN;
            // The output pixel whose dy column this thread loads (the same for the whole reduction).
            int lm = tid % TileM, gm = m0 + lm;
            bool mOk = gm < d.M;
            int n = mOk ? gm / d.PQ : 0, dyBase = n * d.K * d.PQ + (gm - n * d.PQ);

            float a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
            float a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
            if (steps > 0)
            {
                LoadInputCol(gs, ws, 0, dy, w, d, tid, lm, mOk, dyBase, 0, j0);
                ILGPU.Group.Barrier();
            }
            for (int step = 0; step < steps; step++)
            {
                int cur = (step & 1) * TileK * TileM;
                for (int kk = 0; kk < TileK; kk++)
                {
                    int go = cur + kk * TileM + tx, wo = cur + kk * TileN + ty;
                    float g0 = gs[go], g1 = gs[go + 16], g2 = gs[go + 32], g3 = gs[go + 48];
                    float w0 = ws[wo], w1 = ws[wo + 16], w2 = ws[wo + 32], w3 = ws[wo + 48];
                    a00 += g0 * w0; a01 += g0 * w1; a02 += g0 * w2; a03 += g0 * w3;
                    a10 += g1 * w0; a11 += g1 * w1; a12 += g1 * w2; a13 += g1 * w3;
                    a20 += g2 * w0; a21 += g2 * w1; a22 += g2 * w2; a23 += g2 * w3;
                    a30 += g3 * w0; a31 += g3 * w1; a32 += g3 * w2; a33 += g3 * w3;
                }
                if (step + 1 < steps)
                    LoadInputCol(gs, ws, TileK * TileM - cur, dy, w, d, tid, lm, mOk, dyBase, (step + 1) * TileK, j0);
                ILGPU.Group.Barrier();
            }
            int mA = m0 + tx, jA = j0 + ty;
            PutCol(col, d, mA, jA, a00); PutCol(col, d, mA, jA + 16, a01); PutCol(col, d, mA, jA + 32, a02); PutCol(col, d, mA, jA + 48, a03);
            PutCol(col, d, mA + 16, jA, a10); PutCol(col, d, mA + 16, jA + 16, a11); PutCol(col, d, mA + 16, jA + 32, a12); PutCol(col, d, mA + 16, jA + 48, a13);
            PutCol(col, d, mA + 32, jA, a20); PutCol(col, d, mA + 32, jA + 16, a21); PutCol(col, d, mA + 32, jA + 32, a22); PutCol(col, d, mA + 32, jA + 48, a23);
            PutCol(col, d, mA + 48, jA, a30); PutCol(col, d, mA + 48, jA + 16, a31); PutCol(col, d, mA + 48, jA + 32, a32); PutCol(col, d, mA + 48, jA + 48, a33);
        }
    }

    /// <summary>Loads filters [k0, k0 + TileK) into buffer offset bo: this thread's pixel's dy values and a W slice.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadInputCol(ArrayView<float> gs, ArrayView<float> ws, int bo, ArrayView<float> dy, ArrayView<float> w, in Conv2dDims d,
        int tid, int lm, bool mOk, int dyBase, int k0, int j0)
    {
        for (int l = 0; l < Loads; l++)
        {
            int kk = tid / TileM + (Group / TileM) * l, kf = k0 + kk;
            gs[bo + kk * TileM + lm] = mOk && kf < d.K ? dy[dyBase + kf * d.PQ] : 0f;
            int jj = tid % TileN, j = j0 + jj;   // consecutive threads on consecutive taps of one filter
            ws[bo + kk * TileN + jj] = kf < d.K && j < d.CRS ? w[kf * d.CRS + j] : 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutCol(ArrayView<float> col, in Conv2dDims d, int m, int j, float v)
    {
        if (m < d.M && j < d.CRS) col[m * d.CRS + j] = v;
    }

    /// <summary>
    /// dx[n,c,h,w] += Σ dcol[(n,p,q), (c,r,s)] over the taps with h + pad = p·stride + r and
    /// w + pad = q·stride + s inside the output.
    /// </summary>
    private static void ColToImageKernel(ArrayView<float> col, ArrayView<float> dx, Conv2dDims d)
    {
        int total = d.N * d.C * d.HW;
        for (int idx = Stride.Start; idx < total; idx += Stride.Step)
        {
            int wi = idx % d.W, t = idx / d.W, h = t % d.H;
            t /= d.H;
            int c = t % d.C, n = t / d.C;
            int hp = h + d.Pad, wp = wi + d.Pad;
            float sum = 0;
            for (int r = hp % d.Stride; r < d.R && r <= hp; r += d.Stride)
            {
                int p = (hp - r) / d.Stride;
                if (p >= d.P) continue;
                for (int s = wp % d.Stride; s < d.S && s <= wp; s += d.Stride)
                {
                    int q = (wp - s) / d.Stride;
                    if (q >= d.Q) continue;
                    sum += col[(n * d.PQ + p * d.Q + q) * d.CRS + (c * d.R + r) * d.S + s];
                }
            }
            dx[idx] += sum;
        }
    }

    // ---------------------------------------------------------------- launch
    public static void Forward(IlgpuDevice dev, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y, Conv2dDims d)
    {
        var kernel = dev.Kernel("conv2d.forward", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims, SplitInfo>(ForwardKernel));
        long tiles = (long)((d.M + TileM - 1) / TileM) * ((d.K + TileN - 1) / TileN);
        var sp = ForwardSplit(dev.Kind == DeviceKind.IlgpuCpu ? 2 : dev.Accelerator.NumMultiprocessors, tiles, d.CRS);
        if (sp.Splits == 1)
        {
            kernel(dev.GridStride(tiles * Group, Group), x, w, b, y, y, d, sp);
            return;
        }
        long length = (long)d.N * d.K * d.PQ;
        var partial = Scratch(dev, ForwardPartials, sp.Splits * length);
        kernel(dev.GridStride(tiles * sp.Splits * Group, Group), x, w, b, y, partial, d, sp);
        var sum = dev.Kernel("conv2d.forward.sum", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims, int>(ForwardSumKernel));
        sum(dev.GridStride(length, Group), partial, b, y, d, sp.Splits);
    }

    /// <summary>
    /// How to split the forward's reduction over C·R·S: only when the output tiles are fewer than
    /// the multiprocessors (Nature's 64-channel layers at batch 32: 41 and 25 tiles on 132), into
    /// chunks of whole 32-tap steps, enough for about two groups per multiprocessor. The CPU
    /// accelerator counts as two multiprocessors, so its checks take the split path on one-tile
    /// shapes. Fixed for a device and shape, so results repeat exactly.
    /// </summary>
    internal static SplitInfo ForwardSplit(int multiprocessors, long tiles, int crs)
    {
        int steps = (crs + TileK - 1) / TileK;
        if (tiles >= multiprocessors || steps < 2) return new SplitInfo(1, Math.Max(crs, 1));
        long wanted = (2L * multiprocessors + tiles - 1) / tiles;
        int chunkSteps = (int)((steps + Math.Min(wanted, steps) - 1) / Math.Min(wanted, steps));
        int chunk = chunkSteps * TileK;
        return new SplitInfo((crs + chunk - 1) / chunk, chunk);
    }

    public static void Backward(IlgpuDevice dev, ArrayView<float> x, ArrayView<float> w, ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> dw, ArrayView<float> db,
        bool hasDx, bool hasDb, Conv2dDims d)
    {
        if (hasDb)
        {
            var bk = dev.Kernel("conv2d.db", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, Conv2dDims>(BiasGradKernel));
            int threads = dev.ReductionGroupSize(Group);
            bk(dev.GridStride((long)d.K * threads, threads), dy, db, d);
        }

        if (d.CRS > 0)
        {
            long tiles = (long)((d.K + TileM - 1) / TileM) * ((d.CRS + TileN - 1) / TileN);
            var sp = Split(dev, tiles, d.M);
            var wk = dev.Kernel("conv2d.dw", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims, SplitInfo>(WeightGradKernel));
            if (sp.Splits == 1)
                wk(dev.GridStride(tiles * Group, Group), x, dy, dw, dw, d, sp);
            else
            {
                int length = d.K * d.CRS;
                var partial = Scratch(dev, WeightGradPartials, (long)sp.Splits * length);
                wk(dev.GridStride(tiles * sp.Splits * Group, Group), x, dy, dw, partial, d, sp);
                var sk = dev.Kernel("conv2d.dw.sum", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(SumPartialsKernel));
                sk(dev.GridStride(length, Group), partial, dw, length, sp.Splits);
            }
        }

        if (hasDx && d.C > 0)
        {
            if ((long)d.M * d.CRS > int.MaxValue)
                throw new ArgumentException($"conv2d backward: dx's im2col buffer ({d.M} x {d.CRS}) must have fewer than 2^31 elements");
            var col = Scratch(dev, InputGradColumns, (long)d.M * d.CRS);
            var ck = dev.Kernel("conv2d.dx.col", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, Conv2dDims>(InputColKernel));
            long tiles = (long)((d.M + TileM - 1) / TileM) * ((d.CRS + TileN - 1) / TileN);
            ck(dev.GridStride(tiles * Group, Group), dy, w, col, d);
            var gk = dev.Kernel("conv2d.dx.col2im", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, Conv2dDims>(ColToImageKernel));
            gk(dev.GridStride((long)d.N * d.C * d.HW, Group), col, dx, d);
        }
    }

    /// <summary>
    /// How to split dw's reduction over N·P·Q: on a GPU, enough chunks to give every
    /// multiprocessor a few groups (each chunk at least 64 rows).
    /// Fixed for a device and shape, so results repeat exactly.
    /// </summary>
    private static SplitInfo Split(IlgpuDevice dev, long tiles, int m)
    {
        if (m <= 4 * TileK) return new SplitInfo(1, Math.Max(m, 1));
        // The CPU accelerator runs one group at a time: split only up to 2 groups, which keeps
        // the partial-buffer path exercised by the ilgpu-cpu checks at almost no cost.
        long target = dev.Kind == DeviceKind.IlgpuCpu ? 2 : (long)dev.Accelerator.NumMultiprocessors * 4;
        long maxSplits = (m + 4 * TileK - 1) / (4 * TileK);
        int splits = (int)Math.Clamp((target + tiles - 1) / tiles, 1, maxSplits);
        int chunk = (m + splits - 1) / splits;
        chunk = (chunk + TileK - 1) / TileK * TileK;
        splits = (m + chunk - 1) / chunk;
        return new SplitInfo(splits, chunk);
    }

    /// <summary>Scratch slots per device: the split partial sums of dw and of the forward, and dx's im2col-shaped gradient.</summary>
    private const int WeightGradPartials = 0, ForwardPartials = 1, InputGradColumns = 2;

    private sealed class ScratchHolder
    {
        public readonly DeviceBuffer<float>?[] Buffers = new DeviceBuffer<float>?[3];
    }

    private static readonly ConditionalWeakTable<IlgpuDevice, ScratchHolder> Scratches = new();

    /// <summary>A device buffer of at least <paramref name="length"/> floats, kept per device and only grown.</summary>
    private static ArrayView<float> Scratch(IlgpuDevice dev, int slot, long length)
    {
        var holder = Scratches.GetOrCreateValue(dev);
        lock (holder)
        {
            var buffer = holder.Buffers[slot];
            if (buffer is null || buffer.Length < length)
            {
                if (buffer is not null)
                {
                    dev.Synchronize(); // kernels already enqueued may still read the old buffer
                    buffer.Dispose();
                }
                holder.Buffers[slot] = buffer = dev.Allocate<float>(length);
            }
            return ((IlgpuBuffer<float>)buffer).View.SubView(0, length);
        }
    }
}
