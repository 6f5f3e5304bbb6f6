using GpuDqn.Engine;

namespace GpuDqn.Kernels.Atari;

/// <summary>
/// The agent's observation: the last <c>S</c> (= <see cref="Depth"/>) processed frames of each
/// environment, stacked as channels [N, S, H, W] uint8 and kept in device memory, oldest first.
/// Frames never cross an episode start: a push that begins an episode zeroes the S-1 older
/// slots. <see cref="ToFloat"/> converts stacks to the network input (x / 255).
/// </summary>
public static class FrameStack
{
    /// <summary>Frames per observation in the DQN literature.</summary>
    public const int Depth = 4;

    /// <summary>
    /// Shifts every environment's stack by one and puts <paramref name="frames"/>[i] in the newest
    /// slot. Where <paramref name="starts"/>[i] != 0 the frame begins an episode: the older slots
    /// become zero. stacks [N, S, H, W], frames [N, H, W], starts [N] (0 or 1).
    /// </summary>
    public static void Push(Tensor<byte> stacks, Tensor<byte> frames, Tensor<byte> starts)
    {
        Check.Rank(stacks, nameof(stacks), 4);
        int n = stacks.Dim(0), s = stacks.Dim(1), h = stacks.Dim(2), w = stacks.Dim(3);
        if (s < 1) throw new ArgumentException($"{nameof(stacks)} {Shape.Format(stacks.Shape)} must hold at least one frame per stack");
        Check.Shape(frames, nameof(frames), n, h, w);
        Check.Shape(starts, nameof(starts), n);
        Check.SameDevice(stacks.Device, frames, starts);
        if (n == 0 || h * w == 0) return;
        if (stacks.Device is IlgpuDevice d) FrameStackKernel.Push(d, stacks.View, frames.View, starts.View, s, h * w);
        else FrameStackHost.Push(stacks.Span, frames.Span, starts.Span, s, h * w);
    }

    /// <summary>y = x / 255 (uint8 pixels to the [0, 1] network input); any equal lengths.</summary>
    public static void ToFloat(Tensor<byte> x, Tensor<float> y)
    {
        Check.SameLength(x, nameof(x), y, nameof(y));
        Check.SameDevice(y.Device, x);
        if (y.Length == 0) return;
        if (y.Device is IlgpuDevice d) FrameStackKernel.ToFloat(d, x.View, y.View);
        else FrameStackHost.ToFloat(x.Span, y.Span);
    }
}
