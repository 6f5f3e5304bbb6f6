using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class BiasAddKernel
{
    private static void ForwardKernel(ArrayView<float> x, ArrayView<float> bias, int c, int k)
    {
        for (int i = Stride.Start; i < x.IntLength; i += Stride.Step)
            x[i] += bias[(i / k) % c];
    }

    public static void Forward(IlgpuDevice d, ArrayView<float> x, ArrayView<float> bias, int c, int k) =>
        d.Kernel("biasadd.forward", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(ForwardKernel))
            (d.GridStride(x.Length), x, bias, c, k);
}
