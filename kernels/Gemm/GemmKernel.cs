using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>
/// The GEMM kernels. The tiled kernel gives each group of 256 threads a 64×64 tile of C: every
/// K step of 16 stages a 64×16 slice of op(A) and a 16×64 slice of op(B) in shared memory, and
/// each thread accumulates a 4×4 micro-tile (rows ty+16r, columns tx+16c, so that neighbouring
/// threads read neighbouring shared-memory words and write neighbouring C elements). Every
/// transpose combination loads its slices with consecutive threads on consecutive addresses.
/// Tiny outputs use a grid-stride kernel (one thread per element), which needs no barriers.
/// </summary>
internal static class GemmKernel
{
    internal const int TileM = 64, TileN = 64, TileK = 32, Threads = 256;
    // Shared-memory row strides, padded so that a warp's transposed stores spread over banks.
    private const int StrideA = TileM + 1, StrideB = TileN + 1;
    /// <summary>At most this many outputs (m·n) run on the grid-stride kernel.</summary>
    internal const long SmallOutputs = 512;

    // Kernel argument structs must be internal or public: ILGPU's generated code must see them.
    internal readonly struct Dims(int m, int n, int k, int transA, int transB, float alpha, float beta, int hasBias, int relu)
    {
        public readonly int M = m, N = n, K = k, TransA = transA, TransB = transB, HasBias = hasBias, Relu = relu;
        public readonly float Alpha = alpha, Beta = beta;
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

    private static void Store(float acc, int i, int j, ArrayView<float> c, ArrayView<float> bias, Dims d)
    {
        if (i < d.M && j < d.N)
        {
            int idx = i * d.N + j;
            c[idx] = Finish(acc, c, idx, bias, j, d);
        }
    }

    private static void TiledKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, Dims d)
    {
        var sa = SharedMemory.Allocate<float>(TileK * StrideA);   // sa[p·StrideA + i] = op(A)[row0+i, k0+p]
        var sb = SharedMemory.Allocate<float>(TileK * StrideB);   // sb[p·StrideB + j] = op(B)[k0+p, col0+j]
        int t = Group.IdxX;
        int tx = t % 16, ty = t / 16;
        int tilesN = (d.N + TileN - 1) / TileN;
        int row0 = Grid.IdxX / tilesN * TileM, col0 = Grid.IdxX % tilesN * TileN;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

        // The loop runs over the shared dimension K (not over rows: see /work/shared/notes/ilgpu.md).
        for (int k0 = 0; k0 < d.K; k0 += TileK)
        {
            for (int l = 0; l < TileM * TileK / Threads; l++)
            {
                int e = t + l * Threads, i, p;
                if (d.TransA != 0) { i = e % TileM; p = e / TileM; }   // A is k×m: consecutive i are adjacent
                else { p = e % TileK; i = e / TileK; }                 // A is m×k: consecutive p are adjacent
                int gi = row0 + i, gp = k0 + p;
                float v = 0;
                if (gi < d.M && gp < d.K) v = a[d.TransA != 0 ? gp * d.M + gi : gi * d.K + gp];
                sa[p * StrideA + i] = v;
            }
            for (int l = 0; l < TileN * TileK / Threads; l++)
            {
                int e = t + l * Threads, j, p;
                if (d.TransB != 0) { p = e % TileK; j = e / TileK; }   // B is n×k: consecutive p are adjacent
                else { j = e % TileN; p = e / TileN; }                 // B is k×n: consecutive j are adjacent
                int gj = col0 + j, gp = k0 + p;
                float v = 0;
                if (gj < d.N && gp < d.K) v = b[d.TransB != 0 ? gj * d.K + gp : gp * d.N + gj];
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
        Store(c00, r, q, c, bias, d); Store(c01, r, q + 16, c, bias, d); Store(c02, r, q + 32, c, bias, d); Store(c03, r, q + 48, c, bias, d);
        Store(c10, r + 16, q, c, bias, d); Store(c11, r + 16, q + 16, c, bias, d); Store(c12, r + 16, q + 32, c, bias, d); Store(c13, r + 16, q + 48, c, bias, d);
        Store(c20, r + 32, q, c, bias, d); Store(c21, r + 32, q + 16, c, bias, d); Store(c22, r + 32, q + 32, c, bias, d); Store(c23, r + 32, q + 48, c, bias, d);
        Store(c30, r + 48, q, c, bias, d); Store(c31, r + 48, q + 16, c, bias, d); Store(c32, r + 48, q + 32, c, bias, d); Store(c33, r + 48, q + 48, c, bias, d);
    }

    public static void Run(IlgpuDevice dev, ArrayView<float> a, bool transA, ArrayView<float> b, bool transB, ArrayView<float> c,
        int m, int n, int k, float alpha, float beta, ArrayView<float> bias, bool hasBias, bool relu)
    {
        if (m <= 0 || n <= 0) return;
        if ((long)m * n > int.MaxValue || (long)m * k > int.MaxValue || (long)k * n > int.MaxValue)
            throw new ArgumentException($"gemm {m}x{n}x{k}: every matrix must have fewer than 2^31 elements");
        var dims = new Dims(m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta, hasBias ? 1 : 0, relu ? 1 : 0);
        var biasView = hasBias ? bias : c;
        if ((long)m * n <= SmallOutputs)
        {
            var naive = dev.Kernel("gemm.naive", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims>(NaiveKernel));
            naive(dev.GridStride((long)m * n), a, b, c, biasView, dims);
            return;
        }
        var tiled = dev.Kernel("gemm.tiled64", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims>(TiledKernel));
        long groups = (long)((m + TileM - 1) / TileM) * ((n + TileN - 1) / TileN);
        tiled(new KernelConfig((int)groups, Threads), a, b, c, biasView, dims);
    }
}
