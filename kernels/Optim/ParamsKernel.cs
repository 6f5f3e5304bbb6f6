using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class ParamsKernel
{
    private static void PolyakKernel(ArrayView<float> src, ArrayView<float> dst, float tau, float keep)
    {
        for (int i = Stride.Start; i < dst.IntLength; i += Stride.Step)
            dst[i] = tau * src[i] + keep * dst[i];
    }

    private static void FillKernel(ArrayView<float> t, float value)
    {
        for (int i = Stride.Start; i < t.IntLength; i += Stride.Step) t[i] = value;
    }

    private static void ScaleKernel(ArrayView<float> t, float s)
    {
        for (int i = Stride.Start; i < t.IntLength; i += Stride.Step) t[i] *= s;
    }

    private static void AxpyKernel(float alpha, ArrayView<float> x, ArrayView<float> y)
    {
        for (int i = Stride.Start; i < y.IntLength; i += Stride.Step) y[i] += alpha * x[i];
    }

    public static void Polyak(IlgpuDevice d, ArrayView<float> src, ArrayView<float> dst, float tau) =>
        d.Kernel("params.polyak", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, float, float>(PolyakKernel))
            (d.GridStride(dst.Length), src, dst, tau, 1f - tau);

    public static void Fill(IlgpuDevice d, ArrayView<float> t, float value) =>
        d.Kernel("params.fill", a => a.LoadStreamKernel<ArrayView<float>, float>(FillKernel))(d.GridStride(t.Length), t, value);

    public static void Scale(IlgpuDevice d, ArrayView<float> t, float s) =>
        d.Kernel("params.scale", a => a.LoadStreamKernel<ArrayView<float>, float>(ScaleKernel))(d.GridStride(t.Length), t, s);

    public static void Axpy(IlgpuDevice d, float alpha, ArrayView<float> x, ArrayView<float> y) =>
        d.Kernel("params.axpy", a => a.LoadStreamKernel<float, ArrayView<float>, ArrayView<float>>(AxpyKernel))
            (d.GridStride(y.Length), alpha, x, y);
}
