using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// One SGD step, PyTorch semantics (<c>torch.optim.SGD</c>, dampening 0, no Nesterov):
/// without a momentum buffer p -= lr·g; with one buf = momentum·buf + g, p -= lr·buf
/// (a zero buffer before the first step gives PyTorch's buf = g on the first step).
/// </summary>
public static class Sgd
{
    /// <param name="gradStep">optional: scale the gradient by a device-side factor and zero it after use, in the same pass</param>
    public static void Step(Tensor<float> param, Tensor<float> grad, float lr, Tensor<float>? momentumBuffer = null, float momentum = 0f, GradStep gradStep = default)
    {
        if (!(lr >= 0f) || !float.IsFinite(lr)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "SGD learning rate must be finite and >= 0");
        if (!(momentum >= 0f && momentum < 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD momentum must lie in [0, 1)");
        if (momentum != 0f && momentumBuffer is null)
            throw new ArgumentNullException(nameof(momentumBuffer), $"SGD momentum {momentum} needs a momentumBuffer");
        Check.SameLength(param, nameof(param), grad, nameof(grad));
        if (momentumBuffer is not null) Check.SameLength(param, nameof(param), momentumBuffer, nameof(momentumBuffer));
        Check.SameDevice(param.Device, grad, momentumBuffer!);
        gradStep.Validate(grad);
        if (param.Length == 0) return;
        // Without a momentum buffer the kernels get the gradient in its place and never touch it as a buffer.
        int useBuffer = momentumBuffer is null ? 0 : 1;
        if (param.Device is IlgpuDevice g)
            SgdKernel.Step(g, param.View, grad.View, (momentumBuffer ?? grad).View, useBuffer, lr, momentum, gradStep);
        else
            SgdHost.Step(param.Span, grad.Span, (momentumBuffer ?? grad).Span, useBuffer != 0, lr, momentum, gradStep.HostScale, gradStep.ZeroGrad);
    }
}
