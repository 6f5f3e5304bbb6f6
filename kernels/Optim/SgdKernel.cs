using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class SgdKernel
{
    private static void MomentumKernel(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> buf, float lr, float momentum)
    {
        for (int i = Stride.Start; i < param.IntLength; i += Stride.Step)
        {
            float b = momentum * buf[i] + grad[i];
            buf[i] = b;
            param[i] -= lr * b;
        }
    }

    public static void Momentum(IlgpuDevice d, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> buf, float lr, float momentum) =>
        d.Kernel("optim.sgd.momentum", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, float, float>(MomentumKernel))
            (d.GridStride(param.Length), param, grad, buf, lr, momentum);
}
