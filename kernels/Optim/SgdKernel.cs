using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class SgdKernel
{
    /// <summary>buf aliases grad when useBuffer is 0 (then never written as a buffer).</summary>
    private static void StepKernel(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> buf, int useBuffer, float lr, float momentum,
        GradStepArgs gs)
    {
        float scale = gs.Factor;
        for (int i = Stride.Start; i < param.IntLength; i += Stride.Step)
        {
            float g = gs.Take(grad, i, scale);
            if (useBuffer != 0)
            {
                g = momentum * buf[i] + g;
                buf[i] = g;
            }
            param[i] -= lr * g;
        }
    }

    public static void Step(IlgpuDevice d, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> buf, int useBuffer, float lr, float momentum, GradStep gradStep) =>
        d.Kernel("optim.sgd", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, GradStepArgs>(StepKernel))
            (d.GridStride(param.Length), param, grad, buf, useBuffer, lr, momentum, gradStep.KernelArgs(grad));
}
