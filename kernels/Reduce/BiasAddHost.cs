using System.Numerics;

namespace GpuDqn.Kernels;

internal static class BiasAddHost
{
    public static void Forward(Span<float> x, ReadOnlySpan<float> bias, int n, int c, int k)
    {
        if (k == 1)
        {
            for (int r = 0; r < n; r++) AddInPlace(x.Slice(r * c, c), bias);
            return;
        }
        for (int r = 0; r < n; r++)
            for (int ch = 0; ch < c; ch++)
                AddScalar(x.Slice((r * c + ch) * k, k), bias[ch]);
    }

    private static void AddInPlace(Span<float> y, ReadOnlySpan<float> b)
    {
        int i = 0, w = Vector<float>.Count;
        for (; i <= y.Length - w; i += w) (new Vector<float>(y[i..]) + new Vector<float>(b[i..])).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] += b[i];
    }

    private static void AddScalar(Span<float> y, float s)
    {
        int i = 0, w = Vector<float>.Count;
        var v = new Vector<float>(s);
        for (; i <= y.Length - w; i += w) (new Vector<float>(y[i..]) + v).CopyTo(y[i..]);
        for (; i < y.Length; i++) y[i] += s;
    }
}
