using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuDqn.Kernels;

/// <summary>
/// Host convolution forward for stride-1, unpadded convolutions whose output rows are 8 pixels
/// wide (MinAtar's 10×10 → 8×8 layer): one ymm holds a whole output row, so the kernel vectorises
/// over pixels and writes y in NCHW order straight from its accumulators. A tile of 2 output rows ×
/// 6 channels (the last of each 16 channels: 2 × 4) keeps 12 accumulators; for each tap (c, r, s)
/// it loads the 8 input values under the tap for each row (an unaligned load of x's row at column
/// s) and broadcasts the tap's weights, 2 loads and 6 broadcasts for 12 FMAs. The pixel-tiled direct
/// path (<see cref="Conv2dHostDirect"/>) needs a transpose on the way out of every 6-pixel tile, which
/// cost it half as much again as its FMAs on this layer. Each output adds its C·R·S products in tap
/// order, as on the other paths, so tiling and core count do not change the result.
/// </summary>
internal static unsafe class Conv2dHostRows
{
    /// <summary>Output rows per tile (a last odd row runs as a one-row tile).</summary>
    private const int RowsPerTile = 2;

    public static bool Supports(in Conv2dDims d) =>
        Avx2.IsSupported && Fma.IsSupported && !Disabled && d.Stride == 1 && d.Pad == 0 && d.Q == 8 && d.K % 16 == 0;

    /// <summary>Tests only: route the shapes this path takes to the other host paths.</summary>
    internal static bool Disabled { get; set; }

    /// <param name="workers">how many cores share the batch (contiguous runs of images)</param>
    public static void Forward(float* x, float* w, float* bias, float* y, in Conv2dDims d, bool relu, int workers)
    {
        // The pixel-tiled path's tables: wt [C·R·S, K] and each tap's offset in x (shared read-only by the workers).
        float* wt = Conv2dHostDirect.TransposedWeights(w, d);
        int* taps = Conv2dHostDirect.Taps(d);
        var dims = d;
        Conv2dHost.RunWorkers(workers, worker =>
        {
            var (n0, n1) = Conv2dHost.Range(worker, workers, dims.N);
            for (int n = n0; n < n1; n++) Image(x + (long)n * dims.C * dims.HW, wt, taps, bias, y + (long)n * dims.K * dims.PQ, dims, relu);
        });
    }

    private static void Image(float* img, float* wt, int* taps, float* bias, float* yImg, in Conv2dDims d, bool relu)
    {
        for (int p0 = 0; p0 < d.P; p0 += RowsPerTile)
        {
            bool pair = p0 + 1 < d.P;
            float* xRow = img + p0 * d.W;
            float* yRow = yImg + p0 * d.Q;
            for (int k0 = 0; k0 < d.K; k0 += 16)
            {
                if (pair) Channels16<Two>(xRow, taps, wt, bias, k0, yRow, d, relu);
                else Channels16<One>(xRow, taps, wt, bias, k0, yRow, d, relu);
            }
        }
    }

    /// <summary>Channels k0..k0+16 of TRows output rows, as tiles of 6 + 6 + 4 channels.</summary>
    private static void Channels16<TRows>(float* xRow, int* taps, float* wt, float* bias, int k0, float* yRow, in Conv2dDims d, bool relu)
        where TRows : struct, ITileCount
    {
        Tile<TRows, Six>(xRow, d.W, taps, d.CRS, wt + k0, d.K, bias, k0, yRow, d.PQ, relu);
        Tile<TRows, Six>(xRow, d.W, taps, d.CRS, wt + k0 + 6, d.K, bias, k0 + 6, yRow, d.PQ, relu);
        Tile<TRows, Four>(xRow, d.W, taps, d.CRS, wt + k0 + 12, d.K, bias, k0 + 12, yRow, d.PQ, relu);
    }

    /// <summary>
    /// y[k0 + i, row j, 0..8) = Σ_taps wt[tap, i] · x[row j + tap, 0..8) (+ bias) (ReLU), for
    /// TRows rows and TChannels channels; x points at the tile's first output row's input corner.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TRows, TChannels>(float* x, int ldx, int* taps, int crs, float* wt, int ldw, float* bias, int k0, float* y, int pq, bool relu)
        where TRows : struct, ITileCount where TChannels : struct, ITileCount
    {
        Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default, a04 = default, a05 = default,
            a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default;
        bool two = TRows.Value == 2, six = TChannels.Value == 6;
        for (int t = 0; t < crs; t++, wt += ldw)
        {
            float* xp = x + taps[t];
            var x0 = Vector256.Load(xp);
            var x1 = two ? Vector256.Load(xp + ldx) : default;
            var w = Vector256.Create(wt[0]);
            a00 = Fma.MultiplyAdd(x0, w, a00); if (two) a10 = Fma.MultiplyAdd(x1, w, a10);
            w = Vector256.Create(wt[1]);
            a01 = Fma.MultiplyAdd(x0, w, a01); if (two) a11 = Fma.MultiplyAdd(x1, w, a11);
            w = Vector256.Create(wt[2]);
            a02 = Fma.MultiplyAdd(x0, w, a02); if (two) a12 = Fma.MultiplyAdd(x1, w, a12);
            w = Vector256.Create(wt[3]);
            a03 = Fma.MultiplyAdd(x0, w, a03); if (two) a13 = Fma.MultiplyAdd(x1, w, a13);
            if (six)
            {
                w = Vector256.Create(wt[4]);
                a04 = Fma.MultiplyAdd(x0, w, a04); if (two) a14 = Fma.MultiplyAdd(x1, w, a14);
                w = Vector256.Create(wt[5]);
                a05 = Fma.MultiplyAdd(x0, w, a05); if (two) a15 = Fma.MultiplyAdd(x1, w, a15);
            }
        }
        float* y0 = y + (long)k0 * pq;
        Store(y0, a00, bias, k0, relu); Store(y0 + pq, a01, bias, k0 + 1, relu);
        Store(y0 + 2 * pq, a02, bias, k0 + 2, relu); Store(y0 + 3 * pq, a03, bias, k0 + 3, relu);
        if (six) { Store(y0 + 4 * pq, a04, bias, k0 + 4, relu); Store(y0 + 5 * pq, a05, bias, k0 + 5, relu); }
        if (!two) return;
        float* y1 = y0 + 8;
        Store(y1, a10, bias, k0, relu); Store(y1 + pq, a11, bias, k0 + 1, relu);
        Store(y1 + 2 * pq, a12, bias, k0 + 2, relu); Store(y1 + 3 * pq, a13, bias, k0 + 3, relu);
        if (six) { Store(y1 + 4 * pq, a14, bias, k0 + 4, relu); Store(y1 + 5 * pq, a15, bias, k0 + 5, relu); }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, Vector256<float> acc, float* bias, int k, bool relu)
    {
        if (bias != null) acc += Vector256.Create(bias[k]);
        if (relu) acc = Avx.Max(Vector256<float>.Zero, acc);   // NaN stays NaN, as in MathF.Max
        acc.Store(y);
    }
}
