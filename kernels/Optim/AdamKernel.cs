using GpuDqn.Engine;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class AdamKernel
{
    /// <summary>gs scales and zeroes the gradient as it is read (<see cref="GradStep"/>).</summary>
    private static void StepKernel(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v, AdamScalars s,
        GradStepArgs gs)
    {
        float scale = gs.Factor;
        for (int i = Stride.Start; i < param.IntLength; i += Stride.Step)
        {
            float p = param[i];
            float g = gs.Take(grad, i, scale);
            if (s.WeightDecay != 0f) g += s.WeightDecay * p;
            float mi = m[i];
            mi += s.OneMinusBeta1 * (g - mi);               // PyTorch: exp_avg.lerp_(grad, 1 - beta1)
            float vi = s.Beta2 * v[i] + s.OneMinusBeta2 * g * g;
            m[i] = mi;
            v[i] = vi;
            float denom = XMath.Sqrt(vi) * s.InvBc2Sqrt + s.Eps;
            param[i] = p - s.StepSize * (mi / denom);
        }
    }

    public static void Step(IlgpuDevice d, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v, AdamScalars s, GradStep gradStep) =>
        d.Kernel("optim.adam", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamScalars, GradStepArgs>(StepKernel))
            (d.GridStride(param.Length), param, grad, m, v, s, gradStep.KernelArgs(grad));
}
