using System.Numerics;

namespace GpuDqn.Kernels;

internal readonly struct HostHuberTerm : IHostTerm
{
    private static readonly Vector<float> One = Vector<float>.One, Half = new(0.5f);

    public Vector<float> Term(Vector<float> a, Vector<float> b)
    {
        var d = a - b;
        var ad = Vector.Abs(d);
        return Vector.ConditionalSelect(Vector.LessThan(ad, One), Half * d * d, ad - Half);
    }

    public float Term(float a, float b)
    {
        float d = a - b, ad = MathF.Abs(d);
        return ad < 1f ? 0.5f * d * d : ad - 0.5f;
    }
}

internal readonly struct HostSquaredDiffTerm : IHostTerm
{
    public Vector<float> Term(Vector<float> a, Vector<float> b)
    {
        var d = a - b;
        return d * d;
    }

    public float Term(float a, float b)
    {
        float d = a - b;
        return d * d;
    }
}

internal static class LossHost
{
    public static void Backward(ReadOnlySpan<float> pred, ReadOnlySpan<float> target, Span<float> dPred, float scale, bool huber)
    {
        int i = 0, w = Vector<float>.Count;
        var s = new Vector<float>(scale);
        var one = Vector<float>.One;
        for (; i <= dPred.Length - w; i += w)
        {
            var d = new Vector<float>(pred[i..]) - new Vector<float>(target[i..]);
            if (huber) d = Vector.Min(Vector.Max(d, -one), one);
            (new Vector<float>(dPred[i..]) + d * s).CopyTo(dPred[i..]);
        }
        for (; i < dPred.Length; i++)
        {
            float d = pred[i] - target[i];
            if (huber) d = Math.Clamp(d, -1f, 1f);
            dPred[i] += d * scale;
        }
    }
}
