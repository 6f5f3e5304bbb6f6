using System.Numerics;

namespace GpuDqn.Kernels.Atari;

internal static class MaxPool2Host
{
    public static void Run(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
            for (; i <= y.Length - Vector<byte>.Count; i += Vector<byte>.Count)
                Vector.Max(new Vector<byte>(a[i..]), new Vector<byte>(b[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] = Math.Max(a[i], b[i]);
    }
}
