using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels.Atari;

internal static class FrameStackKernel
{
    // One thread per (environment, pixel) walks that pixel's column of S slots, so the shift is in place.
    private static void PushKernel(ArrayView<byte> stacks, ArrayView<byte> frames, ArrayView<byte> starts, int depth, int pixels)
    {
        int n = (int)frames.Length;
        for (int i = Stride.Start; i < n; i += Stride.Step)
        {
            int env = i / pixels;
            long p = (long)env * depth * pixels + (i - env * pixels);
            bool start = starts[env] != 0;
            for (int s = 0; s < depth - 1; s++)
                stacks[p + (long)s * pixels] = start ? (byte)0 : stacks[p + (long)(s + 1) * pixels];
            stacks[p + (long)(depth - 1) * pixels] = frames[i];
        }
    }

    private static void ToFloatKernel(ArrayView<byte> x, ArrayView<float> y)
    {
        for (int i = Stride.Start; i < y.IntLength; i += Stride.Step)
            y[i] = x[i] / 255f;
    }

    public static void Push(IlgpuDevice d, ArrayView<byte> stacks, ArrayView<byte> frames, ArrayView<byte> starts, int depth, int pixels) =>
        d.Kernel("atari.framestack.push", a => a.LoadStreamKernel<ArrayView<byte>, ArrayView<byte>, ArrayView<byte>, int, int>(PushKernel))
            (d.GridStride(frames.Length), stacks, frames, starts, depth, pixels);

    public static void ToFloat(IlgpuDevice d, ArrayView<byte> x, ArrayView<float> y) =>
        d.Kernel("atari.framestack.tofloat", a => a.LoadStreamKernel<ArrayView<byte>, ArrayView<float>>(ToFloatKernel))
            (d.GridStride(y.Length), x, y);
}
