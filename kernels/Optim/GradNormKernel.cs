using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class GradNormKernel
{
    /// <summary>x *= scale[0], the factor read from device memory (no host round trip).</summary>
    private static void ScaleKernel(ArrayView<float> x, ArrayView<float> scale)
    {
        float s = scale[0];
        if (s == 1f) return;
        for (int i = Stride.Start; i < x.IntLength; i += Stride.Step) x[i] *= s;
    }

    public static void ScaleByDeviceScalar(IlgpuDevice d, ArrayView<float> x, ArrayView<float> scale) =>
        d.Kernel("gradnorm.scale", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>>(ScaleKernel))
            (d.GridStride(x.Length), x, scale);
}
