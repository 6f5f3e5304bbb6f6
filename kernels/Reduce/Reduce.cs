using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Deterministic reductions: a fixed partition and a fixed summation order (no atomics), so the
/// same device gives the same bits on every run. The host backend adds fixed blocks in float64;
/// ILGPU devices add in float32 with a fixed tree, so the two backends may differ in the last bits.
/// </summary>
public static class Reduce
{
    /// <summary>The scratch length (floats) that lets <see cref="Sum"/> and <see cref="Mean"/> spread a long input over many groups.</summary>
    public const int ScratchLength = ReduceKernel.MaxPartials;

    /// <summary>
    /// result[0] = Σ x. Without <paramref name="scratch"/> an ILGPU device sums with one group
    /// (right for short inputs such as a batch); with a scratch of at least
    /// <see cref="ScratchLength"/> floats it uses many groups and a second pass. Either way the
    /// result is deterministic (but the two ways may differ in rounding).
    /// </summary>
    public static void Sum(Tensor<float> x, Tensor<float> result, Tensor<float>? scratch = null) =>
        Run(x, result, scratch, mean: false);

    /// <summary>result[0] = Σ x / x.Length (x must not be empty); see <see cref="Sum"/> for <paramref name="scratch"/>.</summary>
    public static void Mean(Tensor<float> x, Tensor<float> result, Tensor<float>? scratch = null)
    {
        if (x.Length == 0) throw new ArgumentException("the mean of an empty tensor is undefined", nameof(x));
        Run(x, result, scratch, mean: true);
    }

    private static void Run(Tensor<float> x, Tensor<float> result, Tensor<float>? scratch, bool mean)
    {
        CheckScalar(result, nameof(result));
        Check.SameDevice(result.Device, x, scratch!);
        if (scratch is not null && scratch.Length < ScratchLength)
            throw new ArgumentException($"scratch has {scratch.Length} elements, needs at least Reduce.ScratchLength = {ScratchLength}", nameof(scratch));
        if (x.Length > int.MaxValue) throw new ArgumentException($"x has {x.Length} elements, more than a kernel index can address", nameof(x));
        int n = (int)x.Length;
        float mul = mean ? 1f / n : 1f;
        if (result.Device is IlgpuDevice g)
        {
            if (n == 0) { result.Clear(); return; }
            ReduceKernel.Sum<ValueTerm>(g, x.View, x.View, n, result.View, scratch is null ? default : scratch.View, mul, ReduceKernel.FinishSum);
        }
        else
        {
            double s = ReduceHost.Sum(x.Span, x.Span, default(HostValue));
            result.Span[0] = (float)(mean ? s / n : s);
        }
    }

    /// <summary>
    /// Column sums of a row-major [R, C] matrix: output[c] = Σ_r x[r, c], or output[c] += that
    /// when <paramref name="accumulate"/> (the bias gradient db += Σ_batch dy). The order of the
    /// additions for each column is fixed by the shape.
    /// </summary>
    public static void SumRows(Tensor<float> x, Tensor<float> output, bool accumulate = false)
    {
        Check.Rank(x, nameof(x), 2);
        Check.Shape(output, nameof(output), x.Shape[1]);
        Check.SameDevice(output.Device, x);
        SumChannels(x, output, x.Shape[0], x.Shape[1], 1, accumulate);
    }

    /// <summary>output[c] (+)= Σ_n Σ_k x[n, c, k] for x viewed as [n, c, k] (shapes already checked).</summary>
    internal static void SumChannels(Tensor<float> x, Tensor<float> output, int n, int c, int k, bool accumulate)
    {
        if (c == 0) return;
        if (output.Device is IlgpuDevice g) ReduceKernel.SumChannels(g, x.View, output.View, n, c, k, accumulate);
        else ReduceHost.SumChannels(x.Span, output.Span, n, c, k, accumulate);
    }

    internal static void CheckScalar(Tensor<float> t, string name)
    {
        if (t.Length != 1)
            throw new ArgumentException($"{name} must hold exactly one element, got shape {Engine.Shape.Format(t.Shape)}", name);
    }
}
