using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// 2-D convolution (cross-correlation, as in PyTorch) over NCHW tensors with any kernel size,
/// stride and zero padding. x [N,C,H,W], w [K,C,R,S], b [K], y [N,K,P,Q] with
/// P = (H + 2·pad − R)/stride + 1 and Q = (W + 2·pad − S)/stride + 1.
/// Backward ACCUMULATES (+=) into dx, dw and db, like llm.c.
/// </summary>
public static class Conv2d
{
    /// <summary>y = conv(x, w) (+ b per output channel) (then ReLU when <paramref name="relu"/>).</summary>
    public static void Forward(Tensor<float> x, Tensor<float> w, Tensor<float>? b, Tensor<float> y, int stride, int pad, bool relu = false)
    {
        ArgumentNullException.ThrowIfNull(y);
        var d = Dims(x, w, stride, pad);
        Check.SameDevice(y.Device, x, w, b!);
        Check.Shape(y, nameof(y), d.N, d.K, d.P, d.Q);
        if (b is not null) Check.Shape(b, nameof(b), d.K);
        if (d.N == 0 || d.K == 0) return;
        if (y.Device is IlgpuDevice g)
            Conv2dKernel.Forward(g, x.View, w.View, b is null ? y.View : b.View, y.View, d.WithFlags(b is not null, relu));
        else
            Conv2dHost.Forward(x, w, b, y, d, relu);
    }

    /// <summary>
    /// dx += conv-transpose(dy, w) (skipped when <paramref name="dx"/> is null), dw += corr(x, dy),
    /// db += Σ_{n,p,q} dy (skipped when <paramref name="db"/> is null). <paramref name="dy"/> is the
    /// gradient of the conv output, already masked by any ReLU.
    /// </summary>
    public static void Backward(Tensor<float> x, Tensor<float> w, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dw, Tensor<float>? db, int stride, int pad)
    {
        ArgumentNullException.ThrowIfNull(dw);
        var d = Dims(x, w, stride, pad);
        Check.SameDevice(dw.Device, x, w, dy, dx!, db!);
        Check.Rank(dy, nameof(dy), 4);
        Check.Shape(dy, nameof(dy), d.N, d.K, d.P, d.Q);
        if (dx is not null) Check.Shape(dx, nameof(dx), x.Shape);
        Check.Shape(dw, nameof(dw), w.Shape);
        if (db is not null) Check.Shape(db, nameof(db), d.K);
        if (d.N == 0 || d.K == 0) return;
        if (dw.Device is IlgpuDevice g)
            Conv2dKernel.Backward(g, x.View, w.View, dy.View, dx is null ? default : dx.View, dw.View, db is null ? default : db.View,
                dx is not null, db is not null, d);
        else
            Conv2dHost.Backward(x, w, dy, dx, dw, db, d);
    }

    /// <summary>(input + 2·pad − kernel)/stride + 1; throws when the padded input is smaller than the kernel.</summary>
    public static int OutputSize(int input, int kernel, int stride, int pad)
    {
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be at least 1");
        if (pad < 0) throw new ArgumentOutOfRangeException(nameof(pad), pad, "pad must be zero or positive");
        if (kernel < 1) throw new ArgumentOutOfRangeException(nameof(kernel), kernel, "kernel size must be at least 1");
        if (input < 0) throw new ArgumentOutOfRangeException(nameof(input), input, "input size must be zero or positive");
        if (input + 2 * pad < kernel)
            throw new ArgumentException($"input size {input} with padding {pad} is smaller than the kernel size {kernel}");
        return (input + 2 * pad - kernel) / stride + 1;
    }

    private static Conv2dDims Dims(Tensor<float> x, Tensor<float> w, int stride, int pad)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        Check.Rank(x, nameof(x), 4);
        Check.Rank(w, nameof(w), 4);
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "stride must be at least 1");
        if (pad < 0) throw new ArgumentOutOfRangeException(nameof(pad), pad, "pad must be zero or positive");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], wi = x.Shape[3];
        int k = w.Shape[0], r = w.Shape[2], s = w.Shape[3];
        if (w.Shape[1] != c)
            throw new ArgumentException($"w has shape {Shape.Format(w.Shape)} but x {Shape.Format(x.Shape)} has {c} channels: expected w [K, {c}, R, S]");
        if (r < 1 || s < 1)
            throw new ArgumentException($"w has shape {Shape.Format(w.Shape)}: the kernel must be at least 1x1");
        if (h + 2 * pad < r || wi + 2 * pad < s)
            throw new ArgumentException($"x {Shape.Format(x.Shape)} padded by {pad} is smaller than the {r}x{s} kernel of w {Shape.Format(w.Shape)}");
        int p = (h + 2 * pad - r) / stride + 1, q = (wi + 2 * pad - s) / stride + 1;
        long m = (long)n * p * q, crs = (long)c * r * s;
        if (x.Length > int.MaxValue || m * Math.Max(k, 1) > int.MaxValue || m * crs > int.MaxValue || (long)k * crs > int.MaxValue)
            throw new ArgumentException($"conv2d of x {Shape.Format(x.Shape)} with w {Shape.Format(w.Shape)} is too large (more than 2^31 elements in a tensor or its im2col matrix)");
        return new Conv2dDims(n, c, h, wi, k, r, s, p, q, stride, pad, 0, 0);
    }
}

/// <summary>The sizes of one convolution, passed to the ILGPU kernels (hence internal, not private).</summary>
internal readonly struct Conv2dDims(int n, int c, int h, int w, int k, int r, int s, int p, int q, int stride, int pad, int hasBias, int relu)
{
    public readonly int N = n, C = c, H = h, W = w, K = k, R = r, S = s, P = p, Q = q, Stride = stride, Pad = pad, HasBias = hasBias, Relu = relu;
    /// <summary>Output pixels per image (P·Q), kernel taps per channel (R·S), im2col width (C·R·S), im2col height (N·P·Q), input plane (H·W).</summary>
    public readonly int PQ = p * q, RS = r * s, CRS = c * r * s, M = n * p * q, HW = h * w;

    public Conv2dDims WithFlags(bool bias, bool relu) => new(N, C, H, W, K, R, S, P, Q, Stride, Pad, bias ? 1 : 0, relu ? 1 : 0);
}
