using System.Runtime.Intrinsics;
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

    /// <summary>g = y &gt; 0 ? g : 0 over the cores (activations of a conv stack run to millions of values).</summary>
    public static unsafe void MaskGrad(ReadOnlySpan<float> y, Span<float> g)
    {
        fixed (float* py0 = y, pg0 = g)
        {
            float* py = py0, pg = pg0;
            ParamsHost.For(g.Length, (start, len) =>
            {
                float* ys = py + start, gs = pg + start;
                int i = 0;
                if (Vector512.IsHardwareAccelerated)
                    for (; i <= len - 16; i += 16)
                        Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(ys + i), Vector512<float>.Zero),
                            Vector512.Load(gs + i), Vector512<float>.Zero).Store(gs + i);
                else if (Vector256.IsHardwareAccelerated)
                    for (; i <= len - 8; i += 8)
                        Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(ys + i), Vector256<float>.Zero),
                            Vector256.Load(gs + i), Vector256<float>.Zero).Store(gs + i);
                for (; i < len; i++) if (!(ys[i] > 0f)) gs[i] = 0f;
            });
        }
    }
}
