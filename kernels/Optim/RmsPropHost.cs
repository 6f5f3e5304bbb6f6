using System.Numerics;
using System.Runtime.Intrinsics;

namespace GpuDqn.Kernels;

internal static class RmsPropHost
{
    /// <summary>gradAvg aliases squareAvg when not centered (it is then never touched); g is used as
    /// g·gradScale; zeroGrad sets g = 0 after reading it.</summary>
    public static unsafe void Step(Span<float> param, Span<float> grad, Span<float> squareAvg, Span<float> gradAvg, RmsPropScalars s, float gradScale, bool zeroGrad)
    {
        fixed (float* pp0 = param, pg0 = grad, ps0 = squareAvg, pa0 = gradAvg)
        {
            float* pp = pp0, pg = pg0, ps = ps0, pa = pa0;
            ParamsHost.For(param.Length, (start, len) => Range(pp + start, pg + start, ps + start, pa + start, len, s, gradScale, zeroGrad));
        }
    }

    // Bound by one square root and one division per element: the widest vectors pay (see AdamHost).
    private static unsafe void Range(float* param, float* grad, float* squareAvg, float* gradAvg, int n, RmsPropScalars s, float gradScale, bool zeroGrad)
    {
        int i = 0;
        bool decay = s.WeightDecay != 0f, centered = s.Centered != 0, inside = s.EpsInside != 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(gradScale);
            var oma = Vector512.Create(s.OneMinusAlpha);
            var eps = Vector512.Create(s.Eps);
            for (; i <= n - 16; i += 16)
            {
                var p = Vector512.Load(param + i);
                var g = Vector512.Load(grad + i) * scale;
                if (zeroGrad) Vector512<float>.Zero.Store(grad + i);
                if (decay) g += Vector512.Create(s.WeightDecay) * p;
                var sq = Vector512.Create(s.Alpha) * Vector512.Load(squareAvg + i) + oma * g * g;
                sq.Store(squareAvg + i);
                var avg = sq;
                if (centered)
                {
                    var ga = Vector512.Load(gradAvg + i);
                    ga += oma * (g - ga);
                    ga.Store(gradAvg + i);
                    avg = Vector512.Max(sq - ga * ga, Vector512<float>.Zero);
                }
                var denom = inside ? Vector512.Sqrt(avg + eps) : Vector512.Sqrt(avg) + eps;
                (p - Vector512.Create(s.Lr) * (g / denom)).Store(param + i);
            }
        }
        else
        {
            var scale = new Vector<float>(gradScale);
            var oma = new Vector<float>(s.OneMinusAlpha);
            var eps = new Vector<float>(s.Eps);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var p = Vector.Load(param + i);
                var g = Vector.Load(grad + i) * scale;
                if (zeroGrad) Vector<float>.Zero.Store(grad + i);
                if (decay) g += new Vector<float>(s.WeightDecay) * p;
                var sq = new Vector<float>(s.Alpha) * Vector.Load(squareAvg + i) + oma * g * g;
                sq.Store(squareAvg + i);
                var avg = sq;
                if (centered)
                {
                    var ga = Vector.Load(gradAvg + i);
                    ga += oma * (g - ga);
                    ga.Store(gradAvg + i);
                    avg = Vector.Max(sq - ga * ga, Vector<float>.Zero);
                }
                var denom = inside ? Vector.SquareRoot(avg + eps) : Vector.SquareRoot(avg) + eps;
                (p - new Vector<float>(s.Lr) * (g / denom)).Store(param + i);
            }
        }
        for (; i < n; i++)
        {
            float p = param[i], g = grad[i] * gradScale;
            if (zeroGrad) grad[i] = 0f;
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
