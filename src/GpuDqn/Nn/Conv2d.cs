using GpuDqn.Engine;

namespace GpuDqn.Nn;

/// <summary>torch.nn.Conv2d over NCHW with square kernels, zero padding; weight [out, in, k, k].</summary>
public sealed class Conv2d : Layer
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    internal bool FusedRelu { get; set; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0)
    {
        if (inChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inChannels), $"in_channels must be positive, got {inChannels}");
        if (outChannels <= 0) throw new ArgumentOutOfRangeException(nameof(outChannels), $"out_channels must be positive, got {outChannels}");
        if (kernelSize <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"kernel_size must be positive, got {kernelSize}");
        if (stride <= 0) throw new ArgumentOutOfRangeException(nameof(stride), $"stride must be positive, got {stride}");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"padding must be >= 0, got {padding}");
        (InChannels, OutChannels, KernelSize, Stride, Padding) = (inChannels, outChannels, kernelSize, stride, padding);
    }

    private long WeightCount => (long)OutChannels * InChannels * KernelSize * KernelSize;
    public override long ParameterCount => WeightCount + OutChannels;

    public override IEnumerable<(string, long, int[])> ParameterLayout() =>
        [("weight", 0, [OutChannels, InChannels, KernelSize, KernelSize]), ("bias", WeightCount, [OutChannels])];

    protected override int[] ComputeOutputShape(int[] s)
    {
        if (s.Length != 3 || s[0] != InChannels)
            throw new ArgumentException($"Conv2d({InChannels}, {OutChannels}, {KernelSize}) expects input [C={InChannels}, H, W] per sample, got {Shape.Format(s)}");
        int h = Kernels.Conv2d.OutputSize(s[1], KernelSize, Stride, Padding);
        int w = Kernels.Conv2d.OutputSize(s[2], KernelSize, Stride, Padding);
        if (h <= 0 || w <= 0)
            throw new ArgumentException($"Conv2d kernel {KernelSize} stride {Stride} padding {Padding} does not fit input {s[1]}x{s[2]}");
        return [OutChannels, h, w];
    }

    public override void Initialize(Span<float> p, Random rng)
    {
        double bound = 1.0 / Math.Sqrt(InChannels * KernelSize * KernelSize);
        UniformFill(p[..(int)WeightCount], bound, rng);
        UniformFill(p[(int)WeightCount..], bound, rng);
    }

    private Tensor<float> W(Tensor<float> p) => p.Slice(0, OutChannels, InChannels, KernelSize, KernelSize);
    private Tensor<float> B(Tensor<float> p) => p.Slice(WeightCount, OutChannels);

    public override void Forward(Tensor<float> p, Tensor<float> x, Tensor<float> y) =>
        Kernels.Conv2d.Forward(x, W(p), B(p), y, Stride, Padding, FusedRelu);

    public override void Backward(Tensor<float> p, Tensor<float> x, Tensor<float> y, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dp, bool accumulate)
    {
        // The conv kernels accumulate: to write instead, zero first (its few parameters cost little to zero).
        if (!accumulate)
        {
            dp.Clear();
            dx?.Clear();
        }
        Kernels.Conv2d.Backward(x, W(p), dy, dx, W(dp), B(dp), Stride, Padding);
    }
}
