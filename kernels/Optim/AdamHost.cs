using System.Numerics;
using System.Runtime.Intrinsics;

namespace GpuDqn.Kernels;

internal static class AdamHost
{
    /// <summary>g is used as g·gradScale; zeroGrad sets g = 0 after reading it.</summary>
    public static unsafe void Step(Span<float> param, Span<float> grad, Span<float> m, Span<float> v, AdamScalars s, float gradScale, bool zeroGrad)
    {
        fixed (float* pp0 = param, pg0 = grad, pm0 = m, pv0 = v)
        {
            float* pp = pp0, pg = pg0, pm = pm0, pv = pv0;
            ParamsHost.For(param.Length, (start, len) => Range(pp + start, pg + start, pm + start, pv + start, len, s, gradScale, zeroGrad));
        }
    }

    // The update is bound by one square root and one division per element, so the widest
    // vectors pay: 16 lanes where AVX-512 is there, Vector<T> (8 on AVX2) elsewhere.
    private static unsafe void Range(float* param, float* grad, float* m, float* v, int n, AdamScalars s, float gradScale, bool zeroGrad)
    {
        int i = 0;
        bool decay = s.WeightDecay != 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(gradScale);
            for (; i <= n - 16; i += 16)
            {
                var p = Vector512.Load(param + i);
                var g = Vector512.Load(grad + i) * scale;
                if (zeroGrad) Vector512<float>.Zero.Store(grad + i);
                if (decay) g += Vector512.Create(s.WeightDecay) * p;
                var mi = Vector512.Load(m + i);
                mi += Vector512.Create(s.OneMinusBeta1) * (g - mi);
                var vi = Vector512.Create(s.Beta2) * Vector512.Load(v + i) + Vector512.Create(s.OneMinusBeta2) * g * g;
                mi.Store(m + i);
                vi.Store(v + i);
                var denom = Vector512.Sqrt(vi) * Vector512.Create(s.InvBc2Sqrt) + Vector512.Create(s.Eps);
                (p - Vector512.Create(s.StepSize) * (mi / denom)).Store(param + i);
            }
        }
        else
        {
            var scale = new Vector<float>(gradScale);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var p = Vector.Load(param + i);
                var g = Vector.Load(grad + i) * scale;
                if (zeroGrad) Vector<float>.Zero.Store(grad + i);
                if (decay) g += new Vector<float>(s.WeightDecay) * p;
                var mi = Vector.Load(m + i);
                mi += new Vector<float>(s.OneMinusBeta1) * (g - mi);
                var vi = new Vector<float>(s.Beta2) * Vector.Load(v + i) + new Vector<float>(s.OneMinusBeta2) * g * g;
                mi.Store(m + i);
                vi.Store(v + i);
                var denom = Vector.SquareRoot(vi) * new Vector<float>(s.InvBc2Sqrt) + new Vector<float>(s.Eps);
                (p - new Vector<float>(s.StepSize) * (mi / denom)).Store(param + i);
            }
        }
        for (; i < n; i++)
        {
            float p = param[i], g = grad[i] * gradScale;
            if (zeroGrad) grad[i] = 0f;
            if (decay) g += s.WeightDecay * p;
            float mi = m[i];
            mi += s.OneMinusBeta1 * (g - mi);
            float vi = s.Beta2 * v[i] + s.OneMinusBeta2 * g * g;
            m[i] = mi;
            v[i] = vi;
            float denom = MathF.Sqrt(vi) * s.InvBc2Sqrt + s.Eps;
            param[i] = p - s.StepSize * (mi / denom);
        }
    }
}
