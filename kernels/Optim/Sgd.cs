using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// One SGD step, PyTorch semantics (<c>torch.optim.SGD</c>, dampening 0, no Nesterov):
/// without a momentum buffer p -= lr·g; with one buf = momentum·buf + g, p -= lr·buf
/// (a zero buffer before the first step gives PyTorch's buf = g on the first step).
/// </summary>
public static class Sgd
{
    public static void Step(Tensor<float> param, Tensor<float> grad, float lr, Tensor<float>? momentumBuffer = null, float momentum = 0f)
    {
        if (!(lr >= 0f) || !float.IsFinite(lr)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "SGD learning rate must be finite and >= 0");
        if (!(momentum >= 0f && momentum < 1f)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD momentum must lie in [0, 1)");
        if (momentum != 0f && momentumBuffer is null)
            throw new ArgumentNullException(nameof(momentumBuffer), $"SGD momentum {momentum} needs a momentumBuffer");
        Check.SameLength(param, nameof(param), grad, nameof(grad));
        if (momentumBuffer is not null) Check.SameLength(param, nameof(param), momentumBuffer, nameof(momentumBuffer));
        Check.SameDevice(param.Device, grad, momentumBuffer!);
        if (param.Length == 0) return;
        if (param.Device is IlgpuDevice g)
        {
            if (momentumBuffer is null) ParamsKernel.Axpy(g, -lr, grad.View, param.View);
            else SgdKernel.Momentum(g, param.View, grad.View, momentumBuffer.View, lr, momentum);
        }
        else
        {
            if (momentumBuffer is null) ParamsHost.Axpy(-lr, grad.Span, param.Span);
            else SgdHost.Momentum(param.Span, grad.Span, momentumBuffer.Span, lr, momentum);
        }
    }
}
