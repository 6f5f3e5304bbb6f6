using GpuDqn.Engine;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class RmsPropKernel
{
    /// <summary>gradAvg aliases squareAvg when not centered (it is then never touched); gs scales and
    /// zeroes the gradient as it is read (<see cref="GradStep"/>).</summary>
    private static void StepKernel(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> squareAvg, ArrayView<float> gradAvg, RmsPropScalars s,
        GradStepArgs gs)
    {
        float scale = gs.Factor;
        for (int i = Stride.Start; i < param.IntLength; i += Stride.Step)
        {
            float p = param[i];
            float g = gs.Take(grad, i, scale);
            if (s.WeightDecay != 0f) g += s.WeightDecay * p;
            float sq = s.Alpha * squareAvg[i] + s.OneMinusAlpha * g * g;
            squareAvg[i] = sq;
            float avg = sq;
            if (s.Centered != 0)
            {
                float ga = gradAvg[i];
                ga += s.OneMinusAlpha * (g - ga);          // PyTorch: grad_avg.lerp_(grad, 1 - alpha)
                gradAvg[i] = ga;
                avg = IntrinsicMath.Max(sq - ga * ga, 0f);
            }
            float denom = s.EpsInside != 0 ? XMath.Sqrt(avg + s.Eps) : XMath.Sqrt(avg) + s.Eps;
            param[i] = p - s.Lr * (g / denom);
        }
    }

    public static void Step(IlgpuDevice d, ArrayView<float> param, ArrayView<float> grad, ArrayView<float> squareAvg, ArrayView<float> gradAvg, RmsPropScalars s, GradStep gradStep) =>
        d.Kernel("optim.rmsprop", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, RmsPropScalars, GradStepArgs>(StepKernel))
            (d.GridStride(param.Length), param, grad, squareAvg, gradAvg, s, gradStep.KernelArgs(grad));
}
