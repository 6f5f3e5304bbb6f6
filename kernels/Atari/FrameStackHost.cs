namespace GpuDqn.Kernels.Atari;

internal static class FrameStackHost
{
    public static void Push(Span<byte> stacks, ReadOnlySpan<byte> frames, ReadOnlySpan<byte> starts, int depth, int pixels)
    {
        for (int env = 0; env < starts.Length; env++)
        {
            var stack = stacks.Slice(env * depth * pixels, depth * pixels);
            if (starts[env] != 0) stack[..((depth - 1) * pixels)].Clear();
            else stack[pixels..].CopyTo(stack);  // overlapping move: Span.CopyTo handles it
            frames.Slice(env * pixels, pixels).CopyTo(stack[((depth - 1) * pixels)..]);
        }
    }

    public static void ToFloat(ReadOnlySpan<byte> x, Span<float> y)
    {
        for (int i = 0; i < y.Length; i++) y[i] = x[i] / 255f;
    }
}
