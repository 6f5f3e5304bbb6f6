namespace GpuDqn.Kernels;

/// <summary>The host GEMM (placeholder: a plain triple loop; a blocked SIMD kernel replaces it).</summary>
internal static class GemmHost
{
    public static void Run(ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int n, int k, float alpha, float beta, ReadOnlySpan<float> bias, bool hasBias, bool relu)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float acc = 0;
                for (int p = 0; p < k; p++)
                    acc += a[transA ? p * m + i : i * k + p] * b[transB ? j * k + p : p * n + j];
                float v = alpha * acc + (beta != 0 ? beta * c[i * n + j] : 0);
                if (hasBias) v += bias[j];
                if (relu) v = MathF.Max(v, 0);
                c[i * n + j] = v;
            }
    }
}
