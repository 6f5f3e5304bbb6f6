using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Nn;

/// <summary>[N, C, H, W] → [N, C·H·W]. Inside a Sequential its output and gradient alias its
/// input's buffers (a reshape, no copy); only as the very first layer does it copy.</summary>
public sealed class Flatten : Layer
{
    internal override bool ValueAliasesInput => true;
    internal override bool GradAliasesInput => true;

    protected override int[] ComputeOutputShape(int[] inputShape) => [(int)Shape.Count(inputShape)];

    public override void Forward(Tensor<float> p, Tensor<float> x, Tensor<float> y)
    {
        if (!SameStorage(x, y)) x.CopyTo(y);
    }

    public override void Backward(Tensor<float> p, Tensor<float> x, Tensor<float> y, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dp, bool accumulate)
    {
        if (dx is null || SameStorage(dx, dy)) return;
        if (accumulate) Params.Axpy(1f, dy.Reshape(dx.Shape), dx);
        else dy.Reshape(dx.Shape).CopyTo(dx);
    }

    private static bool SameStorage(Tensor<float> a, Tensor<float> b) => ReferenceEquals(a.Buffer, b.Buffer) && a.Offset == b.Offset;
}
