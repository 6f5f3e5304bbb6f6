using System.Numerics;

namespace GpuDqn.Kernels;

internal static class ParamsHost
{
    /// <summary>Below this many elements per thread, splitting over cores costs more than it saves.</summary>
    public const int MinChunk = 1 << 16;

    /// <summary>Runs body over [0, n) in contiguous chunks on the host threads (n is small or the op is memory-bound).</summary>
    public static void For(int n, Action<int, int> body) =>
        HostParallel.For(n, MinChunk, (s, e) => body((int)s, (int)(e - s)));

    public static unsafe void Polyak(ReadOnlySpan<float> src, Span<float> dst, float tau)
    {
        float keep = 1f - tau;
        fixed (float* ps0 = src, pd0 = dst)
        {
            float* ps = ps0, pd = pd0;
            For(dst.Length, (start, len) =>
            {
                var s = new ReadOnlySpan<float>(ps + start, len);
                var d = new Span<float>(pd + start, len);
                int i = 0, w = Vector<float>.Count;
                var vt = new Vector<float>(tau);
                var vk = new Vector<float>(keep);
                for (; i <= len - w; i += w) (vt * new Vector<float>(s[i..]) + vk * new Vector<float>(d[i..])).CopyTo(d[i..]);
                for (; i < len; i++) d[i] = tau * s[i] + keep * d[i];
            });
        }
    }

    public static unsafe void Scale(Span<float> t, float s)
    {
        fixed (float* pt0 = t)
        {
            float* pt = pt0;
            For(t.Length, (start, len) =>
            {
                var d = new Span<float>(pt + start, len);
                int i = 0, w = Vector<float>.Count;
                var vs = new Vector<float>(s);
                for (; i <= len - w; i += w) (new Vector<float>(d[i..]) * vs).CopyTo(d[i..]);
                for (; i < len; i++) d[i] *= s;
            });
        }
    }

    public static unsafe void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        fixed (float* px0 = x, py0 = y)
        {
            float* px = px0, py = py0;
            For(y.Length, (start, len) =>
            {
                var xs = new ReadOnlySpan<float>(px + start, len);
                var ys = new Span<float>(py + start, len);
                int i = 0, w = Vector<float>.Count;
                var va = new Vector<float>(alpha);
                for (; i <= len - w; i += w) (new Vector<float>(ys[i..]) + va * new Vector<float>(xs[i..])).CopyTo(ys[i..]);
                for (; i < len; i++) ys[i] += alpha * xs[i];
            });
        }
    }
}
