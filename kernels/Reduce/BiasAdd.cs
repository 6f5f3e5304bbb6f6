using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Per-channel bias for dense ([N, C]) and convolutional ([N, C, H, W], or any [N, C, ...])
/// activations: forward x[n, c, ...] += bias[c] in place; backward dBias[c] (+)= Σ over n and
/// the trailing axes of dy, deterministic (see <see cref="Reduce.SumRows"/>).
/// </summary>
public static class BiasAdd
{
    public static void Forward(Tensor<float> x, Tensor<float> bias)
    {
        var (n, c, k) = Dims(x, nameof(x), bias, nameof(bias));
        Check.SameDevice(x.Device, bias);
        if (x.Length == 0) return;
        if (x.Device is IlgpuDevice g) BiasAddKernel.Forward(g, x.View, bias.View, c, k);
        else BiasAddHost.Forward(x.Span, bias.Span, n, c, k);
    }

    /// <summary>dBias[c] += Σ dy[n, c, ...] (or = when <paramref name="accumulate"/> is false).</summary>
    public static void Backward(Tensor<float> dy, Tensor<float> dBias, bool accumulate = true)
    {
        var (n, c, k) = Dims(dy, nameof(dy), dBias, nameof(dBias));
        Check.SameDevice(dBias.Device, dy);
        Reduce.SumChannels(dy, dBias, n, c, k, accumulate);
    }

    private static (int n, int c, int k) Dims(Tensor<float> x, string xName, Tensor<float> bias, string biasName)
    {
        if (x.Rank < 2)
            throw new ArgumentException($"{xName} must be [N, C] or [N, C, H, W], got shape {Shape.Format(x.Shape)}", xName);
        Check.Shape(bias, biasName, x.Shape[1]);
        long k = 1;
        for (int i = 2; i < x.Rank; i++) k *= x.Shape[i];
        if (x.Length > int.MaxValue) throw new ArgumentException($"{xName} has {x.Length} elements, more than a kernel index can address", xName);
        return (x.Shape[0], x.Shape[1], (int)k);
    }
}
