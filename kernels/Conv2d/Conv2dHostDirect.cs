using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuDqn.Kernels;

/// <summary>
/// Direct (implicit-GEMM) host convolution forward and weight gradient, for unpadded convolutions whose output
/// channel count K is a multiple of 16, on AVX-512 or AVX2+FMA machines (every layer of the Nature and
/// MinAtar networks). On AVX-512 a tile of 8 output pixels × 32 output channels lives in 16 zmm
/// accumulators (8 × 16 in 8 for the last 16 channels); for each kernel tap (c, r, s) the tile loads
/// that tap's weights for its channels from a transposed copy wt [C·R·S, K] and broadcasts the 8 input
/// values under the tap straight from x. No im2col buffer and no packing: per tap, 2 weight loads
/// and 8 broadcasts feed 16 FMAs. AVX2 has 16 ymm registers, so there a tile is 6 pixels, run as
/// blocks of 6 pixels × 16 channels (12 accumulators, 2 weight loads and 6 broadcasts per tap), and
/// the forward runs 16 channels at a time over blocks of taps whose weights stay in L1 (<see cref="PanelSums"/>).
/// Each output adds its C·R·S products in tap order, whatever the tiling or the core count. The weight
/// gradient runs the same micro-kernel with taps and pixels swapped (<see cref="WeightGrad"/>), the input
/// gradient over classes of input pixels (<see cref="Conv2dHostInputGrad"/>). Other shapes use
/// <see cref="Conv2dHost"/>'s im2col + GEMM.
/// </summary>
internal static unsafe class Conv2dHostDirect
{
    /// <summary>The most pixels (taps, in the weight gradient) of one tile: the AVX-512 tile's.</summary>
    internal const int MaxLanes = 8;
    /// <summary>Pixels (taps) per tile: 8 with AVX-512; 6 with AVX2, whose 6×16 block keeps 12 accumulators
    /// (one core: 84–86 GFLOP/s at best against 70–72 for a 4×16 block, 91.6 peak).</summary>
    internal static int Lanes => UseWide ? 8 : 6;

    public static bool Supports(in Conv2dDims d) => Supported && d.Pad == 0 && d.K % 16 == 0;

    private static readonly bool Wide = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
    /// <summary>Tests only: use the AVX2 tiles on an AVX-512 machine.</summary>
    internal static bool ForceAvx2 { get; set; }
    internal static bool Supported => Wide || Avx2.IsSupported && Fma.IsSupported;
    private static bool UseWide => Wide && !ForceAvx2;

    // Per calling thread: wt [CRS, K] and the tap offsets, shared read-only by the workers of one call.
    [ThreadStatic] private static float[]? wtScratch;
    [ThreadStatic] private static int[]? tapScratch;

    /// <param name="workers">how many cores share the batch (contiguous runs of images)</param>
    public static void Forward(float* x, float* w, float* bias, float* y, in Conv2dDims d, bool relu, int workers)
    {
        int* taps = Taps(d);
        int* pixels = PixelCorners(d);
        var dims = d;
        if (!UseWide && !PanelsDisabled)
        {
            float* panels = PanelWeights(w, d);
            ForImages(d.N, workers, (wi, n0, n1) => PanelImages(x, panels, taps, pixels, bias, y, dims, relu, n0, n1));
            return;
        }
        float* wt = TransposedWeights(w, d);
        ForImages(d.N, workers, (wi, n0, n1) => Images(x, wt, taps, pixels, bias, y, dims, relu, n0, n1));
    }

    /// <summary>Tests and benchmarks only: run the AVX2 forward tile by tile over all channels, as the AVX-512 one does.</summary>
    internal static bool PanelsDisabled { get; set; }

    /// <summary>Taps per block of the AVX2 forward: 256 × 16 weights = 16 KB, half of Zen 3's L1.</summary>
    private const int TapsPerBlock = 256;

    // Per calling thread: the AVX2 forward's weight panels. Per executing thread: one image's sums over a tap block.
    [ThreadStatic] private static float[]? panelScratch, sumScratch;

    /// <summary>wp [K/16][C·R·S][16]: each run of 16 output channels' weights, tap after tap, contiguous.</summary>
    private static float* PanelWeights(float* w, in Conv2dDims d)
    {
        int crs = d.CRS;
        float* wp = HostScratch.Pinned(ref panelScratch, d.K * crs);
        for (int k = 0; k < d.K; k++)
        {
            float* src = w + (long)k * crs, dst = wp + (long)(k / 16) * crs * 16 + k % 16;
            for (int j = 0; j < crs; j++) dst[j * 16] = src[j];
        }
        return wp;
    }

    /// <summary>
    /// The AVX2 forward, one image at a time: for each 16 output channels, <see cref="PanelSums"/> over
    /// the image's pixel tiles, then bias, ReLU and the transpose into y (<see cref="StorePanel"/>).
    /// </summary>
    private static void PanelImages(float* x, float* panels, int* taps, int* pixels, float* bias, float* y, in Conv2dDims d, bool relu, int n0, int n1)
    {
        int crs = d.CRS, pq = d.PQ;
        float* sums = Sums(pq);
        for (int n = n0; n < n1; n++)
        {
            float* img = x + (long)n * d.C * d.HW;
            float* yImg = y + (long)n * d.K * pq;
            for (int k0 = 0; k0 < d.K; k0 += 16)
            {
                PanelSums(img, pixels, pq, taps, crs, panels + (long)k0 * crs, sums);
                StorePanel(sums, pq, bias == null ? null : bias + k0, yImg + (long)k0 * pq, relu);
            }
        }
    }

    /// <summary>
    /// y[c, p] = sums[p, c] (+ bias[c]) (ReLU) for 16 channels: bias and ReLU on each pixel's row, then
    /// 8×8 transposes straight into y's channel rows, 8 pixels at a time (scalar for the last pq mod 8).
    /// </summary>
    private static void StorePanel(float* sums, int pq, float* bias, float* y, bool relu)
    {
        if (bias != null || relu)
        {
            var b0 = bias == null ? Vector256<float>.Zero : Vector256.Load(bias);
            var b1 = bias == null ? Vector256<float>.Zero : Vector256.Load(bias + 8);
            for (int p = 0; p < pq; p++)
            {
                float* row = sums + p * 16;
                var v0 = Vector256.Load(row) + b0;
                var v1 = Vector256.Load(row + 8) + b1;
                if (relu)
                {
                    v0 = Avx.Max(Vector256<float>.Zero, v0);   // NaN stays NaN, as in MathF.Max
                    v1 = Avx.Max(Vector256<float>.Zero, v1);
                }
                v0.Store(row);
                v1.Store(row + 8);
            }
        }
        int p0 = 0;
        for (; p0 + 8 <= pq; p0 += 8)
        {
            HostTranspose.Block8x8(sums + p0 * 16, 16, y + p0, pq);
            HostTranspose.Block8x8(sums + p0 * 16 + 8, 16, y + 8L * pq + p0, pq);
        }
        for (; p0 < pq; p0++)
            for (int c = 0; c < 16; c++) y[(long)c * pq + p0] = sums[p0 * 16 + c];
    }

    /// <summary>
    /// sums[i, 0..16) = Σ_j img[pix[i] + taps[j]] · panel[j, 0..16) for the <paramref name="pixels"/>
    /// pixels (pix padded to whole tiles, lanes past the last pixel repeating it): for each block of up to
    /// <see cref="TapsPerBlock"/> taps, every pixel tile. The block's weights (16 KB at most, contiguous)
    /// stay in L1 across the pixels; run pixel tile by pixel tile over all taps and channels, every tile
    /// streamed the whole weight tensor (32–144 KB on the Nature layers) from L2. A pixel's sums carry
    /// over from block to block in tap order, so each output adds its products in tap order. With
    /// <paramref name="tileTaps"/>, tile t sums only taps [tileTaps[2t], tileTaps[2t + 1]) (none: zeros).
    /// </summary>
    internal static void PanelSums(float* img, int* pix, int pixels, int* taps, int count, float* panel, float* sums, int* tileTaps = null)
    {
        int lanes = Lanes, tiles = (pixels + lanes - 1) / lanes;
        int blocks = (count + TapsPerBlock - 1) / TapsPerBlock, perBlock = (count + blocks - 1) / blocks;
        for (int t0 = 0; t0 < count; t0 += perBlock)
        {
            int t1 = Math.Min(count, t0 + perBlock);
            for (int tile = 0; tile < tiles; tile++)
            {
                int start = t0, end = t1, first = 0;
                if (tileTaps != null)
                {
                    first = tileTaps[2 * tile];
                    start = Math.Max(t0, first);
                    end = Math.Min(t1, tileTaps[2 * tile + 1]);
                    if (start >= end) continue;
                }
                Tile(16, img, pix + tile * lanes, taps + start, end - start, panel + (long)start * 16, 16, sums + tile * lanes * 16, 16,
                    accumulate: start > first);
            }
        }
        if (tileTaps != null)
            for (int tile = 0; tile < tiles; tile++)
                if (tileTaps[2 * tile] >= tileTaps[2 * tile + 1]) new Span<float>(sums + tile * lanes * 16, lanes * 16).Clear();
    }

    /// <summary><see cref="PanelSums"/>' output [pixels, 16] in the executing thread's scratch, with room for Store's 8-row transposes past the last tile.</summary>
    internal static float* Sums(int pixels) => HostScratch.Pinned(ref sumScratch, checked((pixels + MaxLanes + 8) * 16));

    // Per calling thread: each output pixel's patch corner in x.
    [ThreadStatic] private static int[]? pixScratch;
    // Per executing thread (weight gradient): one image's dyᵀ [PQ, K] and the worker's dwᵀ [CRS rounded up to 8, K].
    [ThreadStatic] private static float[]? dyTScratch, dwTScratch;

    /// <summary>
    /// The weight gradient: worker 0 adds its images' share into dw, worker i ≥ 1 writes its share
    /// to partials[(i − 1)·K·CRS ...] for the caller to add in worker order. Per tile of 8 (AVX2: 6) taps ×
    /// 32 (16) channels, Σ over the worker's pixels of x[pixel + tap] · dyᵀ[pixel, channels], the tile
    /// staying in registers across each image's pixels. The input gradient is
    /// <see cref="Conv2dHostInputGrad"/>.
    /// </summary>
    public static void WeightGrad(float* x, float* dy, float* dw, float* partials, in Conv2dDims d, int workers)
    {
        int k = d.K, crs = d.CRS, pq = d.PQ;
        int* taps = Taps(d);
        int* pixels = PixelCorners(d);
        var dims = d;
        ForImages(d.N, workers, (wi, n0, n1) =>
            WeightGradImages(x, dy, wi == 0 ? dw : partials + (long)(wi - 1) * k * crs, wi == 0, taps, pixels, dims, n0, n1));
    }

    private static void WeightGradImages(float* x, float* dy, float* dwOut, bool addToDw, int* taps, int* pixels, in Conv2dDims d, int n0, int n1)
    {
        int crs = d.CRS, k = d.K, pq = d.PQ, lanesPerTile = Lanes, crsUp = (crs + lanesPerTile - 1) / lanesPerTile * lanesPerTile;
        float* dyT = HostScratch.Pinned(ref dyTScratch, pq * k);
        float* dwT = HostScratch.Pinned(ref dwTScratch, crsUp * k);
        new Span<float>(dwT, crsUp * k).Clear();
        int* lanes = stackalloc int[MaxLanes];
        for (int n = n0; n < n1; n++)
        {
            float* xImg = x + (long)n * d.C * d.HW;
            float* dyImg = dy + (long)n * k * pq;
            HostTranspose.Matrix(dyImg, k, pq, dyT);
            // dwᵀ[taps, channels] += Σ_pixels x[pixel + tap] · dyᵀ[pixel, channels]; lanes past the last tap repeat it.
            for (int t0 = 0; t0 < crs; t0 += lanesPerTile)
            {
                for (int i = 0; i < lanesPerTile; i++) lanes[i] = taps[Math.Min(t0 + i, crs - 1)];
                for (int k0 = 0; k0 < k; k0 += 32)
                    Tile(Math.Min(32, k - k0), xImg, lanes, pixels, pq, dyT + k0, k, dwT + (long)t0 * k + k0, k, accumulate: true);
            }
        }
        for (int kk = 0; kk < k; kk++)
        {
            float* row = dwOut + (long)kk * crs;
            if (addToDw) for (int j = 0; j < crs; j++) row[j] += dwT[j * k + kk];
            else for (int j = 0; j < crs; j++) row[j] = dwT[j * k + kk];
        }
    }

    /// <summary>Offset in x of each output pixel's patch corner, in pixel order (the calling thread's scratch, padded to whole tiles).</summary>
    private static int* PixelCorners(in Conv2dDims d)
    {
        int padded = checked((d.PQ + Lanes - 1) / Lanes * Lanes);
        int* pixels = HostScratch.Pinned(ref pixScratch, padded);
        for (int i = 0; i < padded; i++)
        {
            int p = Math.Min(i, d.PQ - 1);   // padded to whole tiles for PanelSums: lanes past the last pixel repeat it
            pixels[i] = p / d.Q * d.Stride * d.W + p % d.Q * d.Stride;
        }
        return pixels;
    }

    /// <summary>wt [C·R·S, K] = Wᵀ in the calling thread's scratch: a tap's weights for all channels side by side.</summary>
    internal static float* TransposedWeights(float* w, in Conv2dDims d)
    {
        float* wt = HostScratch.Pinned(ref wtScratch, d.CRS * d.K);
        HostTranspose.Matrix(w, d.K, d.CRS, wt);
        return wt;
    }

    /// <summary>Offset in x of each kernel tap (c, r, s) from a patch's corner, in tap order (the calling thread's scratch).</summary>
    internal static int* Taps(in Conv2dDims d)
    {
        int* taps = HostScratch.Pinned(ref tapScratch, d.CRS);
        for (int c = 0, j = 0; c < d.C; c++)
            for (int r = 0; r < d.R; r++)
                for (int s = 0; s < d.S; s++) taps[j++] = c * d.HW + r * d.W + s;
        return taps;
    }

    /// <summary>body(worker, n0, n1) over <see cref="Conv2dHost"/>'s split of the batch (one contiguous run of images per worker).</summary>
    private static void ForImages(int n, int workers, Action<int, int, int> body) =>
        Conv2dHost.RunWorkers(workers, w =>
        {
            var (n0, n1) = Conv2dHost.Range(w, workers, n);
            body(w, n0, n1);
        });

    private static void Images(float* x, float* wt, int* taps, int* pixels, float* bias, float* y, in Conv2dDims d, bool relu, int n0, int n1)
    {
        int lanes = Lanes;
        int* pix = stackalloc int[MaxLanes];
        float* tile = stackalloc float[MaxLanes * 32];
        for (int n = n0; n < n1; n++)
        {
            float* img = x + (long)n * d.C * d.HW;
            float* yImg = y + (long)n * d.K * d.PQ;
            for (int p0 = 0; p0 < d.PQ; p0 += lanes)
            {
                int valid = Math.Min(lanes, d.PQ - p0);
                // Lanes past the last pixel repeat it.
                for (int i = 0; i < lanes; i++) pix[i] = pixels[p0 + Math.Min(i, valid - 1)];
                for (int k0 = 0; k0 < d.K; k0 += 32)
                {
                    int width = Math.Min(32, d.K - k0);
                    Tile(width, img, pix, taps, d.CRS, wt + k0, d.K, tile, width, accumulate: false);
                    Store(tile, width, lanes, valid, bias, k0, yImg + p0, d.PQ, relu);
                }
            }
        }
    }

    /// <summary>
    /// y[k0 + c, p0 + i] = tile[i, c] (+ bias) (ReLU) for the valid pixels: bias and ReLU on the
    /// tile's rows (vectors over channels), then 8×8 transposes into y's channel rows (a 6-pixel
    /// tile through a block on the stack, its first 6 columns copied).
    /// </summary>
    private static void Store(float* tile, int width, int lanes, int valid, float* bias, int k0, float* y, int pq, bool relu)
    {
        if (bias != null || relu)
            for (int i = 0; i < lanes; i++)
                for (int c = 0; c < width; c += 8)
                {
                    float* t = tile + i * width + c;
                    var v = Vector256.Load(t);
                    if (bias != null) v += Vector256.Load(bias + k0 + c);
                    if (relu) v = Avx.Max(Vector256<float>.Zero, v);  // NaN stays NaN, as in MathF.Max
                    v.Store(t);
                }
        if (valid == MaxLanes)
        {
            for (int c = 0; c < width; c += 8)
                HostTranspose.Block8x8(tile + c, width, y + (long)(k0 + c) * pq, pq);
            return;
        }
        if (valid == 6)
        {
            float* block = stackalloc float[64];   // rows 6 and 7 of the tile are not pixels: dropped
            for (int c = 0; c < width; c += 8)
            {
                HostTranspose.Block8x8(tile + c, width, block, 8);
                for (int r = 0; r < 8; r++)
                {
                    float* row = y + (long)(k0 + c + r) * pq;
                    Vector128.Store(Vector128.Load(block + r * 8), row);
                    *(long*)(row + 4) = *(long*)(block + r * 8 + 4);
                }
            }
            return;
        }
        for (int c = 0; c < width; c++)
        {
            float* row = y + (long)(k0 + c) * pq;
            for (int i = 0; i < valid; i++) row[i] = tile[i * width + c];
        }
    }

    /// <summary>
    /// The micro-kernel of all three passes: for j in [0, count), tile[i, 0..width) +=
    /// img[pix[i] + taps[j]] · w[j·ldw + 0..width), i below <see cref="Lanes"/> (width 32 or 16; tile
    /// rows ldt apart, starting from zero unless <paramref name="accumulate"/>).
    /// </summary>
    internal static void Tile(int width, float* img, int* pix, int* taps, int count, float* w, int ldw, float* tile, int ldt, bool accumulate)
    {
        if (!UseWide)
        {
            for (int c = 0; c < width; c += 16)
                Tile6x16(img, pix, taps, count, w + c, ldw, tile + c, ldt, accumulate);
        }
        else if (width == 32) Tile8x32(img, pix, taps, count, w, ldw, tile, ldt, accumulate);
        else Tile8x16(img, pix, taps, count, w, ldw, tile, ldt, accumulate);
    }

    /// <summary>The AVX2 block: 6 pixels × 16 channels in 12 ymm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile6x16(float* img, int* pix, int* taps, int crs, float* w, int ldw, float* tile, int ldt, bool accumulate)
    {
        float* x0 = img + pix[0], x1 = img + pix[1], x2 = img + pix[2], x3 = img + pix[3], x4 = img + pix[4], x5 = img + pix[5];
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
        Vector256<float> a3 = default, b3 = default, a4 = default, b4 = default, a5 = default, b5 = default;
        if (accumulate)
        {
            a0 = Vector256.Load(tile); b0 = Vector256.Load(tile + 8); a1 = Vector256.Load(tile + ldt); b1 = Vector256.Load(tile + ldt + 8);
            a2 = Vector256.Load(tile + 2 * ldt); b2 = Vector256.Load(tile + 2 * ldt + 8); a3 = Vector256.Load(tile + 3 * ldt); b3 = Vector256.Load(tile + 3 * ldt + 8);
            a4 = Vector256.Load(tile + 4 * ldt); b4 = Vector256.Load(tile + 4 * ldt + 8); a5 = Vector256.Load(tile + 5 * ldt); b5 = Vector256.Load(tile + 5 * ldt + 8);
        }
        for (int j = 0; j < crs; j++, w += ldw)
        {
            int o = taps[j];
            var wl = Vector256.Load(w);
            var wh = Vector256.Load(w + 8);
            var v = Vector256.Create(x0[o]); a0 = Fma.MultiplyAdd(v, wl, a0); b0 = Fma.MultiplyAdd(v, wh, b0);
            v = Vector256.Create(x1[o]); a1 = Fma.MultiplyAdd(v, wl, a1); b1 = Fma.MultiplyAdd(v, wh, b1);
            v = Vector256.Create(x2[o]); a2 = Fma.MultiplyAdd(v, wl, a2); b2 = Fma.MultiplyAdd(v, wh, b2);
            v = Vector256.Create(x3[o]); a3 = Fma.MultiplyAdd(v, wl, a3); b3 = Fma.MultiplyAdd(v, wh, b3);
            v = Vector256.Create(x4[o]); a4 = Fma.MultiplyAdd(v, wl, a4); b4 = Fma.MultiplyAdd(v, wh, b4);
            v = Vector256.Create(x5[o]); a5 = Fma.MultiplyAdd(v, wl, a5); b5 = Fma.MultiplyAdd(v, wh, b5);
        }
        a0.Store(tile); b0.Store(tile + 8); a1.Store(tile + ldt); b1.Store(tile + ldt + 8);
        a2.Store(tile + 2 * ldt); b2.Store(tile + 2 * ldt + 8); a3.Store(tile + 3 * ldt); b3.Store(tile + 3 * ldt + 8);
        a4.Store(tile + 4 * ldt); b4.Store(tile + 4 * ldt + 8); a5.Store(tile + 5 * ldt); b5.Store(tile + 5 * ldt + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x32(float* img, int* pix, int* taps, int crs, float* w, int ldw, float* tile, int ldt, bool accumulate)
    {
        float* x0 = img + pix[0], x1 = img + pix[1], x2 = img + pix[2], x3 = img + pix[3];
        float* x4 = img + pix[4], x5 = img + pix[5], x6 = img + pix[6], x7 = img + pix[7];
        Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        Vector512<float> a4 = default, b4 = default, a5 = default, b5 = default, a6 = default, b6 = default, a7 = default, b7 = default;
        if (accumulate)
        {
            a0 = Vector512.Load(tile); b0 = Vector512.Load(tile + 16); a1 = Vector512.Load(tile + ldt); b1 = Vector512.Load(tile + ldt + 16);
            a2 = Vector512.Load(tile + 2 * ldt); b2 = Vector512.Load(tile + 2 * ldt + 16); a3 = Vector512.Load(tile + 3 * ldt); b3 = Vector512.Load(tile + 3 * ldt + 16);
            a4 = Vector512.Load(tile + 4 * ldt); b4 = Vector512.Load(tile + 4 * ldt + 16); a5 = Vector512.Load(tile + 5 * ldt); b5 = Vector512.Load(tile + 5 * ldt + 16);
            a6 = Vector512.Load(tile + 6 * ldt); b6 = Vector512.Load(tile + 6 * ldt + 16); a7 = Vector512.Load(tile + 7 * ldt); b7 = Vector512.Load(tile + 7 * ldt + 16);
        }
        for (int j = 0; j < crs; j++, w += ldw)
        {
            int o = taps[j];
            var wl = Vector512.Load(w);
            var wh = Vector512.Load(w + 16);
            var v = Vector512.Create(x0[o]); a0 = Avx512F.FusedMultiplyAdd(v, wl, a0); b0 = Avx512F.FusedMultiplyAdd(v, wh, b0);
            v = Vector512.Create(x1[o]); a1 = Avx512F.FusedMultiplyAdd(v, wl, a1); b1 = Avx512F.FusedMultiplyAdd(v, wh, b1);
            v = Vector512.Create(x2[o]); a2 = Avx512F.FusedMultiplyAdd(v, wl, a2); b2 = Avx512F.FusedMultiplyAdd(v, wh, b2);
            v = Vector512.Create(x3[o]); a3 = Avx512F.FusedMultiplyAdd(v, wl, a3); b3 = Avx512F.FusedMultiplyAdd(v, wh, b3);
            v = Vector512.Create(x4[o]); a4 = Avx512F.FusedMultiplyAdd(v, wl, a4); b4 = Avx512F.FusedMultiplyAdd(v, wh, b4);
            v = Vector512.Create(x5[o]); a5 = Avx512F.FusedMultiplyAdd(v, wl, a5); b5 = Avx512F.FusedMultiplyAdd(v, wh, b5);
            v = Vector512.Create(x6[o]); a6 = Avx512F.FusedMultiplyAdd(v, wl, a6); b6 = Avx512F.FusedMultiplyAdd(v, wh, b6);
            v = Vector512.Create(x7[o]); a7 = Avx512F.FusedMultiplyAdd(v, wl, a7); b7 = Avx512F.FusedMultiplyAdd(v, wh, b7);
        }
        a0.Store(tile); b0.Store(tile + 16); a1.Store(tile + ldt); b1.Store(tile + ldt + 16);
        a2.Store(tile + 2 * ldt); b2.Store(tile + 2 * ldt + 16); a3.Store(tile + 3 * ldt); b3.Store(tile + 3 * ldt + 16);
        a4.Store(tile + 4 * ldt); b4.Store(tile + 4 * ldt + 16); a5.Store(tile + 5 * ldt); b5.Store(tile + 5 * ldt + 16);
        a6.Store(tile + 6 * ldt); b6.Store(tile + 6 * ldt + 16); a7.Store(tile + 7 * ldt); b7.Store(tile + 7 * ldt + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile8x16(float* img, int* pix, int* taps, int crs, float* w, int ldw, float* tile, int ldt, bool accumulate)
    {
        float* x0 = img + pix[0], x1 = img + pix[1], x2 = img + pix[2], x3 = img + pix[3];
        float* x4 = img + pix[4], x5 = img + pix[5], x6 = img + pix[6], x7 = img + pix[7];
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        if (accumulate)
        {
            a0 = Vector512.Load(tile); a1 = Vector512.Load(tile + ldt); a2 = Vector512.Load(tile + 2 * ldt); a3 = Vector512.Load(tile + 3 * ldt);
            a4 = Vector512.Load(tile + 4 * ldt); a5 = Vector512.Load(tile + 5 * ldt); a6 = Vector512.Load(tile + 6 * ldt); a7 = Vector512.Load(tile + 7 * ldt);
        }
        for (int j = 0; j < crs; j++, w += ldw)
        {
            int o = taps[j];
            var wl = Vector512.Load(w);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Create(x0[o]), wl, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Create(x1[o]), wl, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Create(x2[o]), wl, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Create(x3[o]), wl, a3);
            a4 = Avx512F.FusedMultiplyAdd(Vector512.Create(x4[o]), wl, a4);
            a5 = Avx512F.FusedMultiplyAdd(Vector512.Create(x5[o]), wl, a5);
            a6 = Avx512F.FusedMultiplyAdd(Vector512.Create(x6[o]), wl, a6);
            a7 = Avx512F.FusedMultiplyAdd(Vector512.Create(x7[o]), wl, a7);
        }
        a0.Store(tile); a1.Store(tile + ldt); a2.Store(tile + 2 * ldt); a3.Store(tile + 3 * ldt);
        a4.Store(tile + 4 * ldt); a5.Store(tile + 5 * ldt); a6.Store(tile + 6 * ldt); a7.Store(tile + 7 * ldt);
    }
}
