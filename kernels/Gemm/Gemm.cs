using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// General matrix multiply on row-major 2-D tensors:
/// C = alpha · op(A) · op(B) + beta · C, then optionally C += bias (per column) and ReLU.
/// op(X) is X or Xᵀ. A dense layer's forward y = x Wᵀ + b is <c>Run(x, false, W, true, y, bias: b)</c>.
/// With <c>reluMask</c> (C's shape), C is zeroed last wherever the mask is not &gt; 0: the backward of
/// the ReLU whose output is the mask, applied to an input gradient as it is written (on the host, by
/// the core that wrote each block, while it is still in that core's cache).
/// </summary>
public static class Gemm
{
    public static void Run(Tensor<float> a, bool transA, Tensor<float> b, bool transB, Tensor<float> c,
        float alpha = 1f, float beta = 0f, Tensor<float>? bias = null, bool relu = false, Tensor<float>? reluMask = null)
    {
        Check.Rank(a, nameof(a), 2);
        Check.Rank(b, nameof(b), 2);
        Check.Rank(c, nameof(c), 2);
        Check.SameDevice(c.Device, a, b, bias!, reluMask!);
        int m = transA ? a.Shape[1] : a.Shape[0];
        int k = transA ? a.Shape[0] : a.Shape[1];
        int kb = transB ? b.Shape[1] : b.Shape[0];
        int n = transB ? b.Shape[0] : b.Shape[1];
        if (k != kb)
            throw new ArgumentException($"gemm inner dimensions differ: op(a) is {m}x{k}, op(b) is {kb}x{n}");
        Check.Shape(c, nameof(c), m, n);
        if (bias is not null) Check.Shape(bias, nameof(bias), n);
        if (reluMask is not null) Check.Shape(reluMask, nameof(reluMask), m, n);
        if (m == 0 || n == 0) return;
        if (c.Device is IlgpuDevice g)
        {
            GemmKernel.Run(g, a.View, transA, b.View, transB, c.View, m, n, k, alpha, beta,
                bias is null ? default : bias.View, bias is not null, relu);
            if (reluMask is not null) ReluKernel.MaskGrad(g, reluMask.View, c.View);
        }
        else
            GemmHost.Run(a.Span, transA, b.Span, transB, c.Span, m, n, k, alpha, beta,
                bias is null ? default : bias.Span, bias is not null, relu, reluMask: reluMask is null ? default : reluMask.Span);
    }
}
