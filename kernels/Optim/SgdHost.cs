namespace GpuDqn.Kernels;

internal static class SgdHost
{
    /// <summary>buf aliases grad when there is no momentum buffer (then never written as a buffer).
    /// A scalar loop: SGD is no shipped preset's optimizer, so it is kept simple rather than vectorised.</summary>
    public static unsafe void Step(Span<float> param, Span<float> grad, Span<float> buf, bool useBuffer, float lr, float momentum, float gradScale, bool zeroGrad)
    {
        fixed (float* pp0 = param, pg0 = grad, pb0 = buf)
        {
            float* pp = pp0, pg = pg0, pb = pb0;
            ParamsHost.For(param.Length, (start, len) =>
            {
                float* p = pp + start, g = pg + start, b = pb + start;
                for (int i = 0; i < len; i++)
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
