using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>y = max(x, 0); backward dx += dy where y &gt; 0, or in place g = g where y &gt; 0 (<see cref="MaskGrad"/>).</summary>
public static class Relu
{
    public static void Forward(Tensor<float> x, Tensor<float> y)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        Check.SameDevice(y.Device, x);
        if (y.Device is IlgpuDevice g) ReluKernel.Forward(g, x.View, y.View);
        else ReluHost.Forward(x.Span, y.Span);
    }

    /// <summary>dx += dy * (y &gt; 0). Uses the forward output, so x may be overwritten in place.</summary>
    public static void Backward(Tensor<float> y, Tensor<float> dy, Tensor<float> dx)
    {
        Check.SameLength(y, nameof(y), dy, nameof(dy));
        Check.SameLength(y, nameof(y), dx, nameof(dx));
        Check.SameDevice(y.Device, dy, dx);
        if (y.Device is IlgpuDevice g) ReluKernel.Backward(g, y.View, dy.View, dx.View);
        else ReluHost.Backward(y.Span, dy.Span, dx.Span);
    }

    /// <summary>
    /// g = y &gt; 0 ? g : 0, in place: the backward of a ReLU fused into the layer before it, whose
    /// output gradient is the ReLU's (the layer's output feeds nothing else), so one buffer and one
    /// pass serve both.
    /// </summary>
    public static void MaskGrad(Tensor<float> y, Tensor<float> g)
    {
        Check.SameLength(y, nameof(y), g, nameof(g));
        Check.SameDevice(y.Device, g);
        if (y.Device is IlgpuDevice d) ReluKernel.MaskGrad(d, y.View, g.View);
        else ReluHost.MaskGrad(y.Span, g.Span);
    }
}
