using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Regression losses over pred/target vectors with PyTorch semantics and mean reduction:
/// <see cref="Huber"/> is <c>F.smooth_l1_loss(pred, target)</c> (beta = 1): 0.5 d² where |d| &lt; 1,
/// else |d| - 0.5, with d = pred - target; <see cref="Mse"/> is <c>F.mse_loss</c>: d². The forward
/// writes the mean into a one-element tensor with a deterministic reduction; the backward adds
/// dL/dpred into dPred (clamp(d, -1, 1) / n and 2 d / n).
/// </summary>
public static class Loss
{
    public static void Huber(Tensor<float> pred, Tensor<float> target, Tensor<float> loss) => Forward(pred, target, loss, huber: true);

    public static void HuberBackward(Tensor<float> pred, Tensor<float> target, Tensor<float> dPred) => Backward(pred, target, dPred, huber: true);

    public static void Mse(Tensor<float> pred, Tensor<float> target, Tensor<float> loss) => Forward(pred, target, loss, huber: false);

    public static void MseBackward(Tensor<float> pred, Tensor<float> target, Tensor<float> dPred) => Backward(pred, target, dPred, huber: false);

    private static int Length(Tensor<float> pred, Tensor<float> target)
    {
        Check.SameLength(pred, nameof(pred), target, nameof(target));
        if (pred.Length == 0) throw new ArgumentException("the mean loss over an empty pred is undefined", nameof(pred));
        if (pred.Length > int.MaxValue) throw new ArgumentException($"pred has {pred.Length} elements, more than a kernel index can address", nameof(pred));
        return (int)pred.Length;
    }

    private static void Forward(Tensor<float> pred, Tensor<float> target, Tensor<float> loss, bool huber)
    {
        ArgumentNullException.ThrowIfNull(loss);
        int n = Length(pred, target);
        Reduce.CheckScalar(loss, nameof(loss));
        Check.SameDevice(loss.Device, pred, target);
        float mul = 1f / n;
        if (loss.Device is IlgpuDevice g)
        {
            if (huber) ReduceKernel.Sum<HuberTerm>(g, pred.View, target.View, n, loss.View, default, mul, ReduceKernel.FinishSum);
            else ReduceKernel.Sum<SquaredDiffTerm>(g, pred.View, target.View, n, loss.View, default, mul, ReduceKernel.FinishSum);
        }
        else
        {
            double s = huber
                ? ReduceHost.Sum(pred.Span, target.Span, default(HostHuberTerm))
                : ReduceHost.Sum(pred.Span, target.Span, default(HostSquaredDiffTerm));
            loss.Span[0] = (float)(s / n);
        }
    }

    private static void Backward(Tensor<float> pred, Tensor<float> target, Tensor<float> dPred, bool huber)
    {
        int n = Length(pred, target);
        Check.SameLength(pred, nameof(pred), dPred, nameof(dPred));
        Check.SameDevice(dPred.Device, pred, target);
        float scale = huber ? 1f / n : 2f / n;
        if (dPred.Device is IlgpuDevice g) LossKernel.Backward(g, pred.View, target.View, dPred.View, scale, huber);
        else LossHost.Backward(pred.Span, target.Span, dPred.Span, scale, huber);
    }
}
