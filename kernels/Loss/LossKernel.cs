using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>smooth_l1 (beta = 1) of pred - target, as a reduction term.</summary>
internal readonly struct HuberTerm : IReduceTerm
{
    public float Term(ArrayView<float> a, ArrayView<float> b, int i)
    {
        float d = a[i] - b[i];
        float ad = IntrinsicMath.Abs(d);
        return ad < 1f ? 0.5f * d * d : ad - 0.5f;
    }
}

/// <summary>(pred - target)², as a reduction term.</summary>
internal readonly struct SquaredDiffTerm : IReduceTerm
{
    public float Term(ArrayView<float> a, ArrayView<float> b, int i)
    {
        float d = a[i] - b[i];
        return d * d;
    }
}

internal static class LossKernel
{
    private static void HuberBackwardKernel(ArrayView<float> pred, ArrayView<float> target, ArrayView<float> dPred, float scale)
    {
        for (int i = Stride.Start; i < dPred.IntLength; i += Stride.Step)
            dPred[i] += IntrinsicMath.Clamp(pred[i] - target[i], -1f, 1f) * scale;
    }

    private static void MseBackwardKernel(ArrayView<float> pred, ArrayView<float> target, ArrayView<float> dPred, float scale)
    {
        for (int i = Stride.Start; i < dPred.IntLength; i += Stride.Step)
            dPred[i] += (pred[i] - target[i]) * scale;
    }

    public static void Backward(IlgpuDevice d, ArrayView<float> pred, ArrayView<float> target, ArrayView<float> dPred, float scale, bool huber)
    {
        var kernel = huber
            ? d.Kernel("loss.huber.backward", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(HuberBackwardKernel))
            : d.Kernel("loss.mse.backward", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(MseBackwardKernel));
        kernel(d.GridStride(dPred.Length), pred, target, dPred, scale);
    }
}
