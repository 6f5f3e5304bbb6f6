using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class ReluKernel
{
    private static void ForwardKernel(ArrayView<float> x, ArrayView<float> y)
    {
        for (int i = Stride.Start; i < y.IntLength; i += Stride.Step)
            y[i] = IntrinsicMath.Max(x[i], 0f);
    }

    private static void BackwardKernel(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        for (int i = Stride.Start; i < y.IntLength; i += Stride.Step)
            if (y[i] > 0f) dx[i] += dy[i];
    }

    private static void MaskGradKernel(ArrayView<float> y, ArrayView<float> g)
    {
        for (int i = Stride.Start; i < y.IntLength; i += Stride.Step)
            if (!(y[i] > 0f)) g[i] = 0f;
    }

    public static void MaskGrad(IlgpuDevice d, ArrayView<float> y, ArrayView<float> g) =>
        d.Kernel("relu.maskgrad", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>>(MaskGradKernel))
            (d.GridStride(y.Length), y, g);

    public static void Forward(IlgpuDevice d, ArrayView<float> x, ArrayView<float> y) =>
        d.Kernel("relu.forward", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>>(ForwardKernel))
            (d.GridStride(y.Length), x, y);

    public static void Backward(IlgpuDevice d, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx) =>
        d.Kernel("relu.backward", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>>(BackwardKernel))
            (d.GridStride(y.Length), y, dy, dx);
}
