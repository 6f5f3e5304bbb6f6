using GpuDqn.Engine;

namespace GpuDqn.Nn;

/// <summary>
/// A value in a forward pass and, when <see cref="NeedsGrad"/>, the buffer its gradient
/// accumulates into. An input that needs no gradient (observations) has none, so the first
/// layer never computes dL/dx.
/// </summary>
public sealed class Variable(Tensor<float> value, Tensor<float>? grad)
{
    public Tensor<float> Value { get; } = value;
    public Tensor<float>? Grad { get; } = grad;
    public bool NeedsGrad => Grad is not null;
    public ReadOnlySpan<int> Shape => Value.Shape;

    public static Variable Constant(Tensor<float> value) => new(value, null);
}
