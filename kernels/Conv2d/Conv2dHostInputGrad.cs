namespace GpuDqn.Kernels;

/// <summary>
/// The host convolution's input gradient dx += conv-transpose(dy, w) as a direct convolution, for
/// unpadded convolutions whose input channel count C is a multiple of 16 (Nature's second and third
/// layers), on the machines <see cref="Conv2dHostDirect"/> runs on.
/// <para>
/// Input pixels fall into stride × stride classes by (h mod stride, w mod stride); within a class
/// every pixel gets its gradient from the same kernel taps, so a class is a stride-1 convolution of
/// dy (zero-padded so no tap leaves it) with the taps (r, s, k) of that class, ⌈R/stride⌉·⌈S/stride⌉·K of them.
/// Each class then runs <see cref="Conv2dHostDirect.PanelSums"/> over its pixels for each 16 input
/// channels, and the sums are added into dx. The dcol GEMM + col2im this replaces ran its GEMM with an inner
/// dimension of only K = 64 and then walked dcol again (nature2 at batch 32: 1.4–2.3× the forward's time).
/// </para>
/// A tile of pixels skips the kernel rows whose taps would read only dy's zero padding for all its
/// pixels. Each dx element adds its products in (r, s, k) order over its tile's kernel rows, and images
/// never share a dx element, so the result depends on neither the core count nor the timing.
/// </summary>
internal static unsafe class Conv2dHostInputGrad
{
    public static bool Supports(in Conv2dDims d) => Conv2dHostDirect.Supported && !Disabled && d.Pad == 0 && d.C % 16 == 0;

    /// <summary>Tests and benchmarks only: send dx through dcol + col2im instead.</summary>
    internal static bool Disabled { get; set; }

    /// <summary>One class's share of the tables: its taps and weight panels, its pixels.</summary>
    private readonly record struct PixelClass(int TapStart, int TapCount, int PixelStart, int PixelCount, int TileTaps);

    // Per calling thread: the tables, shared read-only by the workers of one call.
    [ThreadStatic] private static float[]? weightScratch;
    [ThreadStatic] private static int[]? tapScratch, pixelScratch, targetScratch, tileTapScratch;
    // Per executing thread: one image's zero-padded dy.
    [ThreadStatic] private static float[]? paddedScratch;

    /// <summary>dy's padding: the rows above it and its padded height (the same along the width).</summary>
    private static (int Before, int Size) Padding(int input, int output, int kernel, int stride) =>
        ((kernel - 1) / stride, (kernel - 1) / stride + Math.Max(output, (input + stride - 1) / stride));

    /// <param name="workers">how many cores share the batch (contiguous runs of images)</param>
    public static void Run(float* dy, float* w, float* dx, in Conv2dDims d, int workers)
    {
        var (top, hp) = Padding(d.H, d.P, d.R, d.Stride);
        var (left, wp) = Padding(d.W, d.Q, d.S, d.Stride);
        int stride = d.Stride, kTaps = d.K * d.RS, paddedLength = checked(d.K * hp * wp);
        // Class after class: its taps (r, s, k) in that order, as offsets in padded dy from a pixel's
        // corner, and its weights wc as panels [C/16][taps][16]; its pixels (padded to whole tiles), and where each lies in dx;
        // for each tile of its pixels the taps that reach dy from at least one of them.
        int lanes = Conv2dHostDirect.Lanes;
        float* wc = HostScratch.Pinned(ref weightScratch, kTaps * d.C);
        int* taps = HostScratch.Pinned(ref tapScratch, kTaps);
        int pixelRoom = checked(d.HW + stride * stride * lanes);   // each class padded to whole tiles
        int* pixels = HostScratch.Pinned(ref pixelScratch, pixelRoom);
        int* targets = HostScratch.Pinned(ref targetScratch, pixelRoom);
        int* tileTaps = HostScratch.Pinned(ref tileTapScratch, checked(2 * (d.HW + stride * stride * lanes)));
        var classes = new List<PixelClass>(stride * stride);
        int tapEnd = 0, pixelEnd = 0, tileEnd = 0;
        for (int ph = 0; ph < Math.Min(stride, d.R); ph++)
            for (int pw = 0; pw < Math.Min(stride, d.S); pw++)
            {
                int tapStart = tapEnd, pixelStart = pixelEnd, tileStart = tileEnd;
                int rows = (d.R - ph + stride - 1) / stride, cols = (d.S - pw + stride - 1) / stride;
                // Tap (r = ph + a·stride, s = pw + b·stride, k) reaches dy[k, i − a, j − b] from class pixel (i, j).
                for (int a = 0; a < rows; a++)
                    for (int b = 0; b < cols; b++)
                        for (int k = 0; k < d.K; k++) taps[tapEnd++] = k * hp * wp - a * wp - b;
                int count = tapEnd - tapStart, tap = 0;
                float* classWeights = wc + (long)tapStart * d.C;
                for (int r = ph; r < d.R; r += stride)
                    for (int s = pw; s < d.S; s += stride)
                        for (int k = 0; k < d.K; k++, tap++)
                            for (int c = 0; c < d.C; c++)
                                classWeights[(long)(c / 16) * 16 * count + tap * 16 + c % 16] = w[((long)k * d.C + c) * d.RS + r * d.S + s];
                int width = (d.W - pw + stride - 1) / stride;   // class pixels per row
                for (int h = ph, i = 0; h < d.H; h += stride, i++)
                    for (int x = pw, j = 0; x < d.W; x += stride, j++)
                    {
                        pixels[pixelEnd] = (i + top) * wp + j + left;
                        targets[pixelEnd++] = h * d.W + x;
                    }
                int classPixels = pixelEnd - pixelStart;
                if (classPixels == 0) continue;
                // A tile of class rows i0..i1 reaches dy rows only through a in [i0 − (P − 1), i1]: the other
                // kernel rows would read only dy's zero padding (nature3: 21% of its taps).
                for (int first = 0; first < classPixels; first += lanes)
                {
                    int i0 = first / width, i1 = (Math.Min(first + lanes, classPixels) - 1) / width;
                    int a0 = Math.Max(0, i0 - (d.P - 1)), a1 = Math.Min(rows - 1, i1);
                    tileTaps[tileEnd++] = a0 * cols * d.K;
                    tileTaps[tileEnd++] = a1 >= a0 ? (a1 + 1) * cols * d.K : a0 * cols * d.K;
                }
                // Padded to whole tiles, as PanelSums reads them: lanes past the class's last pixel repeat it.
                for (; (pixelEnd - pixelStart) % lanes != 0; pixelEnd++) pixels[pixelEnd] = pixels[pixelEnd - 1];
                classes.Add(new PixelClass(tapStart, count, pixelStart, classPixels, tileStart));
            }
        var dims = d;
        var all = classes.ToArray();
        Conv2dHost.RunWorkers(workers, worker =>
        {
            var (n0, n1) = Conv2dHost.Range(worker, workers, dims.N);
            if (n0 >= n1) return;
            float* padded = HostScratch.Pinned(ref paddedScratch, paddedLength);
            new Span<float>(padded, paddedLength).Clear();   // the border stays zero; each image writes the inside
            for (int n = n0; n < n1; n++)
            {
                float* dyImg = dy + (long)n * dims.K * dims.PQ;
                for (int k = 0; k < dims.K; k++)
                    for (int p = 0; p < dims.P; p++)
                        new ReadOnlySpan<float>(dyImg + (long)k * dims.PQ + p * dims.Q, dims.Q)
                            .CopyTo(new Span<float>(padded + (long)k * hp * wp + (p + top) * wp + left, dims.Q));
                Image(padded, wc, taps, pixels, targets, tileTaps, all, dx + (long)n * dims.C * dims.HW, dims);
            }
        });
    }

    private static void Image(float* padded, float* wc, int* taps, int* pixels, int* targets, int* tileTaps, PixelClass[] classes, float* dxImg, in Conv2dDims d)
    {
        float* sums = Conv2dHostDirect.Sums(d.HW);
        foreach (var cls in classes)
        {
            int* pix = pixels + cls.PixelStart;
            int* target = targets + cls.PixelStart;
            for (int c0 = 0; c0 < d.C; c0 += 16)
            {
                Conv2dHostDirect.PanelSums(padded, pix, cls.PixelCount, taps + cls.TapStart, cls.TapCount,
                    wc + (long)cls.TapStart * d.C + (long)c0 * cls.TapCount, sums, tileTaps + cls.TileTaps);
                // dx[c0 + c, pixel i] += sums[i, c]
                float* dst = dxImg + (long)c0 * d.HW;
                for (int i = 0; i < cls.PixelCount; i++)
                {
                    float* t = sums + i * 16;
                    float* at = dst + target[i];
                    for (int c = 0; c < 16; c++) at[(long)c * d.HW] += t[c];
                }
            }
        }
    }
}
