using GpuDqn.Engine;
using ILGPU;

namespace GpuDqn.Kernels;

/// <summary>
/// What an optimizer step does with the gradient besides reading it, fused into its one pass
/// over the parameters (as PyTorch's fused optimizers do): multiply it by a clipping factor that
/// lives in device memory (<see cref="GradNorm.ClipScale"/>), and zero it afterwards (the next
/// backward accumulates into it). A training step then reads the gradient twice (norm, update)
/// instead of four times (norm, scale, update, zero).
/// </summary>
public readonly record struct GradStep
{
    /// <summary>A one-element tensor on the step's device: g is used as g·Scale[0]. Null: g as it is.</summary>
    public Tensor<float>? Scale { get; init; }
    /// <summary>Set g = 0 once the step has read it.</summary>
    public bool ZeroGrad { get; init; }

    internal void Validate(Tensor<float> grad)
    {
        if (Scale is null) return;
        if (Scale.Length != 1) throw new ArgumentException($"the gradient scale must hold one element, it holds {Scale.Length}", nameof(Scale));
        Check.SameDevice(grad.Device, Scale);
    }

    /// <summary>The host value of the scale (1 when there is none); host devices only.</summary>
    internal float HostScale => Scale is null ? 1f : Scale.Span[0];

    /// <summary>What an optimizer kernel receives: the scale's view (any one-element view when there is none) and the flags.</summary>
    internal GradStepArgs KernelArgs(ArrayView<float> grad) =>
        new(Scale?.View ?? grad.SubView(0, 1), Scale is null ? 0 : 1, ZeroGrad ? 1 : 0);
}

/// <summary>A <see cref="GradStep"/> as the optimizer kernels take it (views and ints only).</summary>
internal readonly struct GradStepArgs(ArrayView<float> scale, int useScale, int zeroGrad)
{
    public readonly ArrayView<float> ScaleView = scale;
    public readonly int UseScale = useScale, ZeroGrad = zeroGrad;

    /// <summary>The factor every gradient element is multiplied by: Scale[0], or 1.</summary>
    public float Factor => UseScale != 0 ? ScaleView[0] : 1f;

    /// <summary>grad[i]·factor, setting grad[i] = 0 when the step zeroes the gradient.</summary>
    public float Take(ArrayView<float> grad, int i, float factor)
    {
        float g = grad[i] * factor;
        if (ZeroGrad != 0) grad[i] = 0f;
        return g;
    }
}
