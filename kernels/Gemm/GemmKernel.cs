using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>The GEMM kernel (placeholder: one thread per output; a tiled kernel replaces it).</summary>
internal static class GemmKernel
{
    // Kernel argument structs must be internal or public: ILGPU's generated code must see them.
    internal readonly struct Dims(int m, int n, int k, int transA, int transB, float alpha, float beta, int hasBias, int relu)
    {
        public readonly int M = m, N = n, K = k, TransA = transA, TransB = transB, HasBias = hasBias, Relu = relu;
        public readonly float Alpha = alpha, Beta = beta;
    }

    private static void NaiveKernel(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias, Dims d)
    {
        for (int idx = Stride.Start; idx < d.M * d.N; idx += Stride.Step)
        {
            int i = idx / d.N, j = idx % d.N;
            float acc = 0;
            for (int p = 0; p < d.K; p++)
                acc += a[d.TransA != 0 ? p * d.M + i : i * d.K + p] * b[d.TransB != 0 ? j * d.K + p : p * d.N + j];
            float v = d.Alpha * acc + (d.Beta != 0 ? d.Beta * c[idx] : 0);
            if (d.HasBias != 0) v += bias[j];
            if (d.Relu != 0) v = IntrinsicMath.Max(v, 0);
            c[idx] = v;
        }
    }

    public static void Run(IlgpuDevice dev, ArrayView<float> a, bool transA, ArrayView<float> b, bool transB, ArrayView<float> c,
        int m, int n, int k, float alpha, float beta, ArrayView<float> bias, bool hasBias, bool relu)
    {
        var kernel = dev.Kernel("gemm.naive", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, Dims>(NaiveKernel));
        kernel(dev.GridStride((long)m * n), a, b, c, hasBias ? bias : c, new Dims(m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, beta, hasBias ? 1 : 0, relu ? 1 : 0));
    }
}
