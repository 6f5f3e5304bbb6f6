using GpuDqn.Engine;

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
}
