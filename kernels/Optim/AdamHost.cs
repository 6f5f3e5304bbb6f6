using System.Numerics;

namespace GpuDqn.Kernels;

internal static class AdamHost
{
    public static unsafe void Step(Span<float> param, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, AdamScalars s)
    {
        fixed (float* pp0 = param, pg0 = grad, pm0 = m, pv0 = v)
        {
            float* pp = pp0, pg = pg0, pm = pm0, pv = pv0;
            ParamsHost.For(param.Length, (start, len) =>
                Range(new Span<float>(pp + start, len), new ReadOnlySpan<float>(pg + start, len),
                      new Span<float>(pm + start, len), new Span<float>(pv + start, len), s));
        }
    }

    private static void Range(Span<float> param, ReadOnlySpan<float> grad, Span<float> m, Span<float> v, AdamScalars s)
    {
        int i = 0, w = Vector<float>.Count;
        var b2 = new Vector<float>(s.Beta2);
        var omb1 = new Vector<float>(s.OneMinusBeta1);
        var omb2 = new Vector<float>(s.OneMinusBeta2);
        var step = new Vector<float>(s.StepSize);
        var bc2 = new Vector<float>(s.Bc2Sqrt);
        var eps = new Vector<float>(s.Eps);
        var wd = new Vector<float>(s.WeightDecay);
        bool decay = s.WeightDecay != 0f;
        for (; i <= param.Length - w; i += w)
        {
            var p = new Vector<float>(param[i..]);
            var g = new Vector<float>(grad[i..]);
            if (decay) g += wd * p;
            var mi = new Vector<float>(m[i..]);
            mi += omb1 * (g - mi);
            var vi = b2 * new Vector<float>(v[i..]) + omb2 * g * g;
            mi.CopyTo(m[i..]);
            vi.CopyTo(v[i..]);
            var denom = Vector.SquareRoot(vi) / bc2 + eps;
            (p - step * (mi / denom)).CopyTo(param[i..]);
        }
        for (; i < param.Length; i++)
        {
            float p = param[i], g = grad[i];
            if (decay) g += s.WeightDecay * p;
            float mi = m[i];
            mi += s.OneMinusBeta1 * (g - mi);
            float vi = s.Beta2 * v[i] + s.OneMinusBeta2 * g * g;
            m[i] = mi;
            v[i] = vi;
            float denom = MathF.Sqrt(vi) / s.Bc2Sqrt + s.Eps;
            param[i] = p - s.StepSize * (mi / denom);
        }
    }
}
