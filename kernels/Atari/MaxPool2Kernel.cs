using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels.Atari;

internal static class MaxPool2Kernel
{
    private static void Kernel(ArrayView<byte> a, ArrayView<byte> b, ArrayView<byte> y)
    {
        for (int i = Stride.Start; i < y.IntLength; i += Stride.Step)
            y[i] = (byte)IntrinsicMath.Max((int)a[i], (int)b[i]);
    }

    public static void Run(IlgpuDevice d, ArrayView<byte> a, ArrayView<byte> b, ArrayView<byte> y) =>
        d.Kernel("atari.maxpool2", acc => acc.LoadStreamKernel<ArrayView<byte>, ArrayView<byte>, ArrayView<byte>>(Kernel))
            (d.GridStride(y.Length), a, b, y);
}
