using System.Numerics;

namespace GpuDqn.Kernels;

internal static class SgdHost
{
    /// <summary>buf aliases grad when there is no momentum buffer (then never written as a buffer);
    /// g is used as g·gradScale; zeroGrad sets g = 0 after reading it.</summary>
    public static unsafe void Step(Span<float> param, Span<float> grad, Span<float> buf, bool useBuffer, float lr, float momentum, float gradScale, bool zeroGrad)
    {
        fixed (float* pp0 = param, pg0 = grad, pb0 = buf)
        {
            float* pp = pp0, pg = pg0, pb = pb0;
            ParamsHost.For(param.Length, (start, len) =>
            {
                float* p = pp + start, g = pg + start, b = pb + start;
                int i = 0, w = Vector<float>.Count;
                var vs = new Vector<float>(gradScale);
                var vm = new Vector<float>(momentum);
                var vl = new Vector<float>(lr);
                for (; i <= len - w; i += w)
                {
                    var gi = Vector.Load(g + i) * vs;
                    if (zeroGrad) Vector<float>.Zero.Store(g + i);
                    if (useBuffer)
                    {
                        gi = vm * Vector.Load(b + i) + gi;
                        gi.Store(b + i);
                    }
                    (Vector.Load(p + i) - vl * gi).Store(p + i);
                }
                for (; i < len; i++)
                {
                    float gi = g[i] * gradScale;
                    if (zeroGrad) g[i] = 0f;
                    if (useBuffer)
                    {
                        gi = momentum * b[i] + gi;
                        b[i] = gi;
                    }
                    p[i] -= lr * gi;
                }
            });
        }
    }
}
