using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class GatherKernel
{
    private static void ForwardKernel(ArrayView<float> q, ArrayView<int> actions, ArrayView<float> output, int a)
    {
        for (int b = Stride.Start; b < output.IntLength; b += Stride.Step)
        {
            int act = actions[b];
            output[b] = act >= 0 && act < a ? q[b * a + act] : float.NaN;
        }
    }

    private static void BackwardKernel(ArrayView<float> dOut, ArrayView<int> actions, ArrayView<float> dQ, int a)
    {
        for (int b = Stride.Start; b < dOut.IntLength; b += Stride.Step)
        {
            int act = actions[b];
            if (act >= 0 && act < a) dQ[b * a + act] += dOut[b];
        }
    }

    public static void Forward(IlgpuDevice d, ArrayView<float> q, ArrayView<int> actions, ArrayView<float> output, int a) =>
        d.Kernel("gather.forward", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(ForwardKernel))
            (d.GridStride(output.Length), q, actions, output, a);

    public static void Backward(IlgpuDevice d, ArrayView<float> dOut, ArrayView<int> actions, ArrayView<float> dQ, int a) =>
        d.Kernel("gather.backward", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(BackwardKernel))
            (d.GridStride(dOut.Length), dOut, actions, dQ, a);
}
