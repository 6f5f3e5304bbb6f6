using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Whole-parameter-vector updates over flat float tensors (any length): target-network
/// updates and the small BLAS-1 ops a trainer needs.
/// </summary>
public static class Params
{
    /// <summary>dst = src (the hard target-network update); a device-to-device copy.</summary>
    public static void Copy(Tensor<float> src, Tensor<float> dst)
    {
        Check.SameLength(src, nameof(src), dst, nameof(dst));
        Check.SameDevice(dst.Device, src);
        src.CopyTo(dst);
    }

    /// <summary>dst = tau·src + (1 - tau)·dst (the soft, Polyak target update), 0 ≤ tau ≤ 1.</summary>
    public static void Polyak(Tensor<float> src, Tensor<float> dst, float tau)
    {
        Check.SameLength(src, nameof(src), dst, nameof(dst));
        Check.SameDevice(dst.Device, src);
        if (!(tau >= 0f && tau <= 1f)) throw new ArgumentOutOfRangeException(nameof(tau), tau, "tau must lie in [0, 1]");
        if (dst.Length == 0) return;
        if (dst.Device is IlgpuDevice g) ParamsKernel.Polyak(g, src.View, dst.View, tau);
        else ParamsHost.Polyak(src.Span, dst.Span, tau);
    }

    /// <summary>t[i] = value.</summary>
    public static void Fill(Tensor<float> t, float value)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Length == 0) return;
        if (t.Device is IlgpuDevice g) ParamsKernel.Fill(g, t.View, value);
        else t.Span.Fill(value);
    }

    /// <summary>t[i] *= s.</summary>
    public static void Scale(Tensor<float> t, float s)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.Length == 0) return;
        if (t.Device is IlgpuDevice g) ParamsKernel.Scale(g, t.View, s);
        else ParamsHost.Scale(t.Span, s);
    }

    /// <summary>y += alpha·x.</summary>
    public static void Axpy(float alpha, Tensor<float> x, Tensor<float> y)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        Check.SameDevice(y.Device, x);
        if (y.Length == 0) return;
        if (y.Device is IlgpuDevice g) ParamsKernel.Axpy(g, alpha, x.View, y.View);
        else ParamsHost.Axpy(alpha, x.Span, y.Span);
    }
}
