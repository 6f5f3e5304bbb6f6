using GpuDqn.Engine;

namespace GpuDqn.Kernels.Atari;

/// <summary>
/// MaxAndSkip's observation: the pixel-wise (and channel-wise) max of the last two raw frames,
/// y = max(a, b) over uint8 tensors of any equal shape (e.g. [N, 210, 160, 3]). It removes the
/// flicker of sprites that the Atari draws only on every other frame.
/// <see cref="WarpFrame.RunMaxOfPair"/> fuses this max into the warp.
/// </summary>
public static class MaxPool2
{
    public static void Run(Tensor<byte> a, Tensor<byte> b, Tensor<byte> y)
    {
        Check.SameLength(a, nameof(a), y, nameof(y));
        Check.SameLength(b, nameof(b), y, nameof(y));
        Check.SameDevice(y.Device, a, b);
        if (y.Length == 0) return;
        if (y.Device is IlgpuDevice d) MaxPool2Kernel.Run(d, a.View, b.View, y.View);
        else MaxPool2Host.Run(a.Span, b.Span, y.Span);
    }
}
