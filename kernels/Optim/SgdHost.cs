using System.Numerics;

namespace GpuDqn.Kernels;

internal static class SgdHost
{
    public static unsafe void Momentum(Span<float> param, ReadOnlySpan<float> grad, Span<float> buf, float lr, float momentum)
    {
        fixed (float* pp0 = param, pg0 = grad, pb0 = buf)
        {
            float* pp = pp0, pg = pg0, pb = pb0;
            ParamsHost.For(param.Length, (start, len) =>
            {
                var p = new Span<float>(pp + start, len);
                var g = new ReadOnlySpan<float>(pg + start, len);
                var b = new Span<float>(pb + start, len);
                int i = 0, w = Vector<float>.Count;
                var vl = new Vector<float>(lr);
                var vm = new Vector<float>(momentum);
                for (; i <= len - w; i += w)
                {
                    var bi = vm * new Vector<float>(b[i..]) + new Vector<float>(g[i..]);
                    bi.CopyTo(b[i..]);
                    (new Vector<float>(p[i..]) - vl * bi).CopyTo(p[i..]);
                }
                for (; i < len; i++)
                {
                    float bi = momentum * b[i] + g[i];
                    b[i] = bi;
                    p[i] -= lr * bi;
                }
            });
        }
    }
}
