using System.Numerics;

namespace GpuDqn.Kernels;

internal static class ReluHost
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
                Vector.Max(new Vector<float>(x[i..]), Vector<float>.Zero).CopyTo(y[i..]);
        }
        for (; i < y.Length; i++) y[i] = MathF.Max(x[i], 0f);
    }

    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var mask = Vector.GreaterThan(new Vector<float>(y[i..]), Vector<float>.Zero);
                (new Vector<float>(dx[i..]) + Vector.ConditionalSelect(mask, new Vector<float>(dy[i..]), Vector<float>.Zero)).CopyTo(dx[i..]);
            }
        }
        for (; i < y.Length; i++) if (y[i] > 0f) dx[i] += dy[i];
    }
}
