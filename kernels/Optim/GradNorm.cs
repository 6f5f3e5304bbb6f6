using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Global L2 gradient norm and clipping, PyTorch's <c>clip_grad_norm_</c> over one flat gradient
/// vector: norm = ‖g‖₂; g *= min(1, maxNorm / (norm + 1e-6)). The norm is a deterministic
/// reduction (a fixed number of partial sums in a fixed order, then a fixed-order final sum; no
/// atomics), and on an ILGPU device the scale factor never leaves the device: the scaling kernel
/// reads it from <c>scratch</c>. Scratch layout: [0] the norm, [1] the scale factor, then the partials.
/// </summary>
public static class GradNorm
{
    /// <summary>The floats a scratch tensor must hold: the norm, the scale and up to 1024 partial sums.</summary>
    public const int ScratchLength = 2 + ReduceKernel.MaxPartials;

    /// <summary>
    /// Clips <paramref name="grad"/> in place to L2 norm <paramref name="maxNorm"/> (&gt; 0; +∞ only
    /// measures) and returns the norm before clipping as a one-element view into
    /// <paramref name="scratch"/> (valid until the scratch is reused; read it for logging).
    /// </summary>
    public static Tensor<float> Clip(Tensor<float> grad, float maxNorm, Tensor<float> scratch)
    {
        if (!(maxNorm > 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the clipping norm must be > 0");
        return Run(grad, maxNorm, scratch, clip: true, scale: true);
    }

    /// <summary>
    /// The clipping factor min(1, maxNorm / (‖g‖₂ + 1e-6)) as a one-element view into
    /// <paramref name="scratch"/> (the norm is the element before it); grad is unchanged. Pass the
    /// factor to an optimizer step (<see cref="GradStep.Scale"/>) to clip inside its own pass.
    /// </summary>
    public static Tensor<float> ClipScale(Tensor<float> grad, float maxNorm, Tensor<float> scratch)
    {
        if (!(maxNorm > 0f)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "the clipping norm must be > 0");
        Run(grad, maxNorm, scratch, clip: true, scale: false);
        return scratch.Reshape(-1).Slice(1, 1);
    }

    /// <summary>The L2 norm of <paramref name="grad"/> as a one-element view into <paramref name="scratch"/>; grad is unchanged.</summary>
    public static Tensor<float> Norm(Tensor<float> grad, Tensor<float> scratch) => Run(grad, float.PositiveInfinity, scratch, clip: false, scale: false);

    // clip: compute the factor into scratch[1]; scale: also multiply grad by it.
    private static Tensor<float> Run(Tensor<float> grad, float maxNorm, Tensor<float> scratch, bool clip, bool scale)
    {
        ArgumentNullException.ThrowIfNull(grad);
        ArgumentNullException.ThrowIfNull(scratch);
        Check.SameDevice(scratch.Device, grad);
        if (scratch.Length < ScratchLength)
            throw new ArgumentException($"scratch has {scratch.Length} elements, needs at least GradNorm.ScratchLength = {ScratchLength}", nameof(scratch));
        if (grad.Length > int.MaxValue) throw new ArgumentException($"grad has {grad.Length} elements, more than a kernel index can address", nameof(grad));
        var flat = scratch.Reshape(-1);
        var norm = flat.Slice(0, 1);
        int n = (int)grad.Length;
        if (scratch.Device is IlgpuDevice g)
        {
            if (n == 0)
            {
                flat.Slice(0, 2).Upload([0f, 1f]);  // norm 0, scale 1 (as min(1, maxNorm / 1e-6) would give)
                return norm;
            }
            var s = flat.View;
            ReduceKernel.Sum<SquareTerm>(g, grad.View, grad.View, n, s.SubView(0, 2), s.SubView(2, ReduceKernel.MaxPartials),
                maxNorm, clip ? ReduceKernel.FinishClipScale : ReduceKernel.FinishSqrt);
            if (scale) GradNormKernel.ScaleByDeviceScalar(g, grad.View, s.SubView(1, 1));
        }
        else
        {
            var s = flat.Span;
            float nrm = (float)Math.Sqrt(ReduceHost.Sum(grad.Span, grad.Span, default(HostSquare)));
            s[0] = nrm;
            if (clip)
            {
                float factor = MathF.Min(1f, maxNorm / (nrm + 1e-6f));
                s[1] = factor;
                if (scale && factor != 1f) ParamsHost.Scale(grad.Span, factor);
            }
        }
        return norm;
    }
}
