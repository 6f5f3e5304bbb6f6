using GpuDqn.Engine;

namespace GpuDqn.Nn;

/// <summary>max(x, 0). After a Linear or Conv2d layer the ReLU is fused into that layer's
/// epilogue and this layer only does the backward mask: its output and its output's gradient
/// alias the layer's, and the mask is applied to that gradient in place.</summary>
public sealed class Relu : Layer
{
    internal bool Fused { get; set; }
    /// <summary>Set by <see cref="Sequential"/> when the layer after this (fused) ReLU masks the input gradient
    /// it writes (<see cref="Linear.MasksInputGrad"/>): the mask is then applied already.</summary>
    internal bool MaskedByConsumer { get; set; }
    internal override bool ValueAliasesInput => Fused;
    internal override bool GradAliasesInput => Fused;

    protected override int[] ComputeOutputShape(int[] inputShape) => inputShape;

    public override void Forward(Tensor<float> p, Tensor<float> x, Tensor<float> y)
    {
        if (!Fused) Kernels.Relu.Forward(x, y);
    }

    // dx += dy where y > 0 (y > 0 exactly where the pre-activation was, fused or not). Fused, dx is
    // dy's buffer: the previous layer's output feeds only this ReLU, so masking in place is that sum.
    public override void Backward(Tensor<float> p, Tensor<float> x, Tensor<float> y, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dp, bool accumulate)
    {
        if (dx is null || MaskedByConsumer) return;
        if (Fused) Kernels.Relu.MaskGrad(y, dy);
        else
        {
            if (!accumulate) dx.Clear();
            Kernels.Relu.Backward(y, dy, dx);
        }
    }
}
