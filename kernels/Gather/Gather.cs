using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Picks Q(s, a) for the taken actions: forward out[b] = q[b, actions[b]] (PyTorch's
/// <c>q.gather(1, a).squeeze(1)</c>); backward dQ[b, actions[b]] += dOut[b] (one write per row,
/// so no conflicts). An action outside [0, A) is an error: the host backend throws; a kernel
/// cannot, so it writes NaN to out[b] (which poisons the loss visibly) and skips that row in backward.
/// </summary>
public static class Gather
{
    public static void Forward(Tensor<float> q, Tensor<int> actions, Tensor<float> output)
    {
        var (b, a) = Dims(q, nameof(q), actions);
        Check.Shape(output, nameof(output), b);
        Check.SameDevice(output.Device, q, actions);
        if (b == 0) return;
        if (output.Device is IlgpuDevice g) GatherKernel.Forward(g, q.View, actions.View, output.View, a);
        else GatherHost.Forward(q.Span, actions.Span, output.Span, a);
    }

    public static void Backward(Tensor<float> dOut, Tensor<int> actions, Tensor<float> dQ)
    {
        var (b, a) = Dims(dQ, nameof(dQ), actions);
        Check.Shape(dOut, nameof(dOut), b);
        Check.SameDevice(dQ.Device, dOut, actions);
        if (b == 0) return;
        if (dQ.Device is IlgpuDevice g) GatherKernel.Backward(g, dOut.View, actions.View, dQ.View, a);
        else GatherHost.Backward(dOut.Span, actions.Span, dQ.Span, a);
    }

    private static (int b, int a) Dims(Tensor<float> q, string name, Tensor<int> actions)
    {
        Check.Rank(q, name, 2);
        Check.Shape(actions, nameof(actions), q.Shape[0]);
        if (q.Shape[1] == 0 && q.Shape[0] > 0) throw new ArgumentException($"{name} has no actions: shape {Shape.Format(q.Shape)}", name);
        return (q.Shape[0], q.Shape[1]);
    }
}
