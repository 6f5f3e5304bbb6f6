using System.Numerics;

namespace GpuDqn.Kernels;

internal static class RmsPropHost
{
    /// <summary>gradAvg aliases squareAvg when not centered (it is then never touched).</summary>
    public static unsafe void Step(Span<float> param, ReadOnlySpan<float> grad, Span<float> squareAvg, Span<float> gradAvg, RmsPropScalars s)
    {
        fixed (float* pp0 = param, pg0 = grad, ps0 = squareAvg, pa0 = gradAvg)
        {
            float* pp = pp0, pg = pg0, ps = ps0, pa = pa0;
            ParamsHost.For(param.Length, (start, len) =>
                Range(new Span<float>(pp + start, len), new ReadOnlySpan<float>(pg + start, len),
                      new Span<float>(ps + start, len), new Span<float>(pa + start, len), s));
        }
    }

    private static void Range(Span<float> param, ReadOnlySpan<float> grad, Span<float> squareAvg, Span<float> gradAvg, RmsPropScalars s)
    {
        int i = 0, w = Vector<float>.Count;
        var alpha = new Vector<float>(s.Alpha);
        var oma = new Vector<float>(s.OneMinusAlpha);
        var lr = new Vector<float>(s.Lr);
        var eps = new Vector<float>(s.Eps);
        var wd = new Vector<float>(s.WeightDecay);
        bool decay = s.WeightDecay != 0f, centered = s.Centered != 0, inside = s.EpsInside != 0;
        for (; i <= param.Length - w; i += w)
        {
            var p = new Vector<float>(param[i..]);
            var g = new Vector<float>(grad[i..]);
            if (decay) g += wd * p;
            var sq = alpha * new Vector<float>(squareAvg[i..]) + oma * g * g;
            sq.CopyTo(squareAvg[i..]);
            var avg = sq;
            if (centered)
            {
                var ga = new Vector<float>(gradAvg[i..]);
                ga += oma * (g - ga);
                ga.CopyTo(gradAvg[i..]);
                avg = Vector.Max(sq - ga * ga, Vector<float>.Zero);
            }
            var denom = inside ? Vector.SquareRoot(avg + eps) : Vector.SquareRoot(avg) + eps;
            (p - lr * (g / denom)).CopyTo(param[i..]);
        }
        for (; i < param.Length; i++)
        {
            float p = param[i], g = grad[i];
            if (decay) g += s.WeightDecay * p;
            float sq = s.Alpha * squareAvg[i] + s.OneMinusAlpha * g * g;
            squareAvg[i] = sq;
            float avg = sq;
            if (centered)
            {
                float ga = gradAvg[i];
                ga += s.OneMinusAlpha * (g - ga);
                gradAvg[i] = ga;
                avg = MathF.Max(sq - ga * ga, 0f);
            }
            float denom = inside ? MathF.Sqrt(avg + s.Eps) : MathF.Sqrt(avg) + s.Eps;
            param[i] = p - s.Lr * (g / denom);
        }
    }
}
