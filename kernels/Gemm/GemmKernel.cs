using GpuDqn.Engine;
using ILGPU;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>
/// The GEMM kernels. The tiled kernel gives each group of 256 threads a 64×64 tile of C: every
/// K step of 16 stages a 64×16 slice of op(A) and a 16×64 slice of op(B) in shared memory, and
/// each thread accumulates a 4×4 micro-tile (rows ty+16r, columns tx+16c, so that neighbouring
/// threads read neighbouring shared-memory words and write neighbouring C elements). Every
/// transpose combination loads its slices with consecutive threads on consecutive addresses.
/// Few outputs over a long K (a batch-1 forward: 1×512 over k = 3136) use one group per output:
/// its threads stride over K with neighbouring threads on neighbouring addresses, then add their
/// sums in a fixed tree. Tiny outputs over a short K use a grid-stride kernel (one thread per
/// element), which needs no barriers.
/// When the tiles cannot fill the device and K is long, split-K: each group sums one K chunk of
/// one tile into a scratch buffer, and a second kernel adds the chunks in a fixed order
/// (deterministic, no atomics) and applies the epilogue.
/// </summary>
internal static class GemmKernel
{
    internal const int TileM = 64, TileN = 64, TileK = 32, Threads = 256;
    // Shared-memory row strides, padded so that a warp's transposed stores spread over banks.
    private const int StrideA = TileM + 1, StrideB = TileN + 1;
    /// <summary>At most this many outputs (m·n) run on the one-thread-per-output or one-group-per-output kernels.</summary>
    internal const long SmallOutputs = 512;
    /// <summary>From this K on, small outputs run one group per output (<see cref="DotKernel"/>).</summary>
    internal const int DotMinK = 64, DotThreads = 128;

    // Kernel argument structs must be internal or public: ILGPU's generated code must see them.
    internal readonly struct Dims(int m, int n, int k, int transA, int transB, float alpha, float beta, int hasBias, int relu, int splits, int kChunk)
    {
        public readonly int M = m, N = n, K = k, TransA = transA, TransB = transB, HasBias = hasBias, Relu = relu;
        public readonly float Alpha = alpha, Beta = beta;
        /// <summary>Split-K: the tiled kernel's groups cover K in <see cref="Splits"/> chunks of <see cref="KChunk"/>.</summary>
        public readonly int Splits = splits, KChunk = kChunk;
    }

    private static float Finish(float acc, ArrayView<float> c, int idx, ArrayView<float> bias, int j, Dims d)
    {
        float v = d.Alpha * acc;
        if (d.Beta != 0) v += d.Beta * c[idx];
        if (d.HasBias != 0) v += bias[j];
        if (d.Relu != 0) v = IntrinsicMath.Max(v, 0f);
        return v;
    }

    private static void NaiveKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, Dims d)
    {
        for (int idx = Stride.Start; idx < d.M * d.N; idx += Stride.Step)
        {
            int i = idx / d.N, j = idx % d.N;
            float acc = 0;
            for (int p = 0; p < d.K; p++)
                acc += a[d.TransA != 0 ? p * d.M + i : i * d.K + p] * b[d.TransB != 0 ? j * d.K + p : p * d.N + j];
            c[idx] = Finish(acc, c, idx, bias, j, d);
        }
    }

    /// <summary>
    /// One group per output: each thread sums every DimX-th product, then
    /// <see cref="Kernels.ReduceKernel.GroupSum"/> adds the group's sums in a fixed order (no
    /// atomics, so results repeat exactly). A batch-1 forward's outputs each get a group of
    /// <see cref="DotThreads"/> instead of one thread walking all of K alone.
    /// </summary>
    private static void DotKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, Dims d)
    {
        var values = SharedMemory.Allocate<float>(DotThreads);
        var sixteen = SharedMemory.Allocate<float>(16);
        int t = Group.IdxX, threads = Group.DimX;
        for (int idx = Grid.IdxX; idx < d.M * d.N; idx += Grid.DimX)
        {
            int i = idx / d.N, j = idx % d.N;
            float acc = 0;
            for (int p = t; p < d.K; p += threads)
                acc += a[d.TransA != 0 ? p * d.M + i : i * d.K + p] * b[d.TransB != 0 ? j * d.K + p : p * d.N + j];
            float sum = Kernels.ReduceKernel.GroupSum(values, sixteen, acc);
            if (t == 0) c[idx] = Finish(sum, c, idx, bias, j, d);
        }
    }

    /// <summary>Writes one output, or with split-K this chunk's raw partial sum.</summary>
    private static void Store(float acc, int i, int j, ArrayView<float> c, ArrayView<float> bias, ArrayView<float> partials, int z, Dims d)
    {
        if (i < d.M && j < d.N)
        {
            int idx = i * d.N + j;
            if (d.Splits > 1) partials[z * d.M * d.N + idx] = acc;
            else c[idx] = Finish(acc, c, idx, bias, j, d);
        }
    }

    /// <summary>Split-K's second pass: adds the chunks' partial sums in chunk order, then the epilogue.</summary>
    private static void ReduceKernel(ArrayView<float> partials, ArrayView<float> c, ArrayView<float> bias, Dims d)
    {
        int mn = d.M * d.N;
        for (int idx = Stride.Start; idx < mn; idx += Stride.Step)
        {
            float acc = 0;
            for (int z = 0; z < d.Splits; z++) acc += partials[z * mn + idx];
            c[idx] = Finish(acc, c, idx, bias, idx % d.N, d);
        }
    }

    private static void TiledKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, ArrayView<float> partials, Dims d)
    {
        var sa = SharedMemory.Allocate<float>(TileK * StrideA);   // sa[p·StrideA + i] = op(A)[row0+i, k0+p]
        var sb = SharedMemory.Allocate<float>(TileK * StrideB);   // sb[p·StrideB + j] = op(B)[k0+p, col0+j]
        int t = Group.IdxX;
        int tx = t % 16, ty = t / 16;
        int tilesN = (d.N + TileN - 1) / TileN, tiles = (d.M + TileM - 1) / TileM * tilesN;
        int tile = Grid.IdxX % tiles, z = Grid.IdxX / tiles;   // z: this group's K chunk (split-K)
        int row0 = tile / tilesN * TileM, col0 = tile % tilesN * TileN;
        int kBegin = z * d.KChunk, kEnd = IntrinsicMath.Min(d.K, kBegin + d.KChunk);

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

        // The loop runs over the shared dimension K (not over rows: see /work/shared/notes/ilgpu.md).
        for (int k0 = kBegin; k0 < kEnd; k0 += TileK)
        {
            for (int l = 0; l < TileM * TileK / Threads; l++)
            {
                int e = t + l * Threads, i, p;
                if (d.TransA != 0) { i = e % TileM; p = e / TileM; }   // A is k×m: consecutive i are adjacent
                else { p = e % TileK; i = e / TileK; }                 // A is m×k: consecutive p are adjacent
                int gi = row0 + i, gp = k0 + p;
                float v = 0;
                if (gi < d.M && gp < kEnd) v = a[d.TransA != 0 ? gp * d.M + gi : gi * d.K + gp];
                sa[p * StrideA + i] = v;
            }
            for (int l = 0; l < TileN * TileK / Threads; l++)
            {
                int e = t + l * Threads, j, p;
                if (d.TransB != 0) { p = e % TileK; j = e / TileK; }   // B is n×k: consecutive p are adjacent
                else { j = e % TileN; p = e / TileN; }                 // B is k×n: consecutive j are adjacent
                int gj = col0 + j, gp = k0 + p;
                float v = 0;
                if (gj < d.N && gp < kEnd) v = b[d.TransB != 0 ? gj * d.K + gp : gp * d.N + gj];
                sb[p * StrideB + j] = v;
            }
            Group.Barrier();
            for (int p = 0; p < TileK; p++)
            {
                int pa = p * StrideA + ty, pb = p * StrideB + tx;
                float a0 = sa[pa], a1 = sa[pa + 16], a2 = sa[pa + 32], a3 = sa[pa + 48];
                float b0 = sb[pb], b1 = sb[pb + 16], b2 = sb[pb + 32], b3 = sb[pb + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        int r = row0 + ty, q = col0 + tx;
        Store(c00, r, q, c, bias, partials, z, d); Store(c01, r, q + 16, c, bias, partials, z, d); Store(c02, r, q + 32, c, bias, partials, z, d); Store(c03, r, q + 48, c, bias, partials, z, d);
        Store(c10, r + 16, q, c, bias, partials, z, d); Store(c11, r + 16, q + 16, c, bias, partials, z, d); Store(c12, r + 16, q + 32, c, bias, partials, z, d); Store(c13, r + 16, q + 48, c, bias, partials, z, d);
        Store(c20, r + 32, q, c, bias, partials, z, d); Store(c21, r + 32, q + 16, c, bias, partials, z, d); Store(c22, r + 32, q + 32, c, bias, partials, z, d); Store(c23, r + 32, q + 48, c, bias, partials, z, d);
        Store(c30, r + 48, q, c, bias, partials, z, d); Store(c31, r + 48, q + 16, c, bias, partials, z, d); Store(c32, r + 48, q + 32, c, bias, partials, z, d); Store(c33, r + 48, q + 48, c, bias, partials, z, d);
    }

    /// <summary>
    /// How many K chunks each tile's work is split into: enough groups for two per
    /// multiprocessor when the tiles alone are fewer (batch-32 layers with a long K, such as
    /// 32×512 outputs over k = 3136), each chunk at least <see cref="MinChunk"/> deep.
    /// </summary>
    internal static int Splits(int multiprocessors, long tiles, int k)
    {
        long wanted = 2L * multiprocessors;
        if (tiles >= wanted || k < 2 * MinChunk) return 1;
        return (int)Math.Min(MaxSplits, Math.Min((wanted + tiles - 1) / tiles, k / MinChunk));
    }

    internal const int MinChunk = 128, MaxSplits = 16;

    // Split-K partial sums: one scratch buffer per device, grown on demand. The lock spans both
    // launches so that concurrent callers on one device (one stream) never interleave on it.
    private sealed class Scratch
    {
        public MemoryBuffer1D<float, Stride1D.Dense>? Buffer;
    }

    private static readonly ConditionalWeakTable<IlgpuDevice, Scratch> ScratchBuffers = new();

    public static void Run(IlgpuDevice dev, ArrayView<float> a, bool transA, ArrayView<float> b, bool transB, ArrayView<float> c,
        int m, int n, int k, float alpha, float beta, ArrayView<float> bias, bool hasBias, bool relu)
    {
        if (m <= 0 || n <= 0) return;
        if ((long)m * n > int.MaxValue || (long)m * k > int.MaxValue || (long)k * n > int.MaxValue)
            throw new ArgumentException($"gemm {m}x{n}x{k}: every matrix must have fewer than 2^31 elements");
        var biasView = hasBias ? bias : c;
        if ((long)m * n <= SmallOutputs && k >= DotMinK)
        {
            var dot = dev.Kernel("gemm.dot", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims>(DotKernel));
            int threads = dev.ReductionGroupSize(DotThreads);
            dot(dev.GridStride((long)m * n * threads, threads), a, b, c, biasView,
                new Dims(m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta, hasBias ? 1 : 0, relu ? 1 : 0, 1, k));
            return;
        }
        if ((long)m * n <= SmallOutputs)
        {
            var naive = dev.Kernel("gemm.naive", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims>(NaiveKernel));
            naive(dev.GridStride((long)m * n), a, b, c, biasView,
                new Dims(m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta, hasBias ? 1 : 0, relu ? 1 : 0, 1, k));
            return;
        }
        var tiled = dev.Kernel("gemm.tiled64", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims>(TiledKernel));
        long tiles = (long)((m + TileM - 1) / TileM) * ((n + TileN - 1) / TileN);
        int splits = Splits(dev.Accelerator.NumMultiprocessors, tiles, k);
        if (splits > 1 && (long)splits * m * n > int.MaxValue) splits = 1;
        // Chunks are whole K steps; recompute the count so that none is empty.
        int chunk = (k + splits - 1) / splits;
        chunk = (chunk + TileK - 1) / TileK * TileK;
        splits = (k + chunk - 1) / chunk;
        var dims = new Dims(m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta, hasBias ? 1 : 0, relu ? 1 : 0, splits, splits > 1 ? chunk : k);
        if (splits == 1)
        {
            tiled(new KernelConfig((int)tiles, Threads), a, b, c, biasView, c, dims);
            return;
        }
        var reduce = dev.Kernel("gemm.splitk.reduce", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims>(ReduceKernel));
        var scratch = ScratchBuffers.GetValue(dev, _ => new Scratch());
        lock (scratch)
        {
            long need = (long)splits * m * n;
            if (scratch.Buffer is null || scratch.Buffer.Length < need)
            {
                dev.Synchronize();   // kernels still queued may read the old buffer
                scratch.Buffer?.Dispose();
                scratch.Buffer = dev.Accelerator.Allocate1D<float>(need);
            }
            var partials = scratch.Buffer.View.SubView(0, need);
            tiled(new KernelConfig((int)(tiles * splits), Threads), a, b, c, biasView, partials, dims);
            reduce(dev.GridStride((long)m * n), partials, c, biasView, dims);
        }
    }
}
