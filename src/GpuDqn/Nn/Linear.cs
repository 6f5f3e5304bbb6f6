using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Nn;

/// <summary>y = x Wᵀ + b with W [out, in], as torch.nn.Linear (optionally with a fused ReLU).</summary>
public sealed class Linear(int inFeatures, int outFeatures) : Layer
{
    public int InFeatures { get; } = inFeatures > 0 ? inFeatures : throw new ArgumentOutOfRangeException(nameof(inFeatures), $"in_features must be positive, got {inFeatures}");
    public int OutFeatures { get; } = outFeatures > 0 ? outFeatures : throw new ArgumentOutOfRangeException(nameof(outFeatures), $"out_features must be positive, got {outFeatures}");
    /// <summary>Set by <see cref="Sequential"/> when a ReLU follows: the GEMM applies it in its epilogue.</summary>
    internal bool FusedRelu { get; set; }
    /// <summary>Set by <see cref="Sequential"/> when this layer's input is the output of a fused ReLU that feeds
    /// nothing else: the input gradient is masked as the GEMM writes it (x &gt; 0 exactly where that ReLU
    /// passed), which is that ReLU's backward without a pass of its own over the gradient.</summary>
    internal bool MasksInputGrad { get; set; }

    public override long ParameterCount => (long)OutFeatures * InFeatures + OutFeatures;
    private long WeightCount => (long)OutFeatures * InFeatures;

    public override IEnumerable<(string, long, int[])> ParameterLayout() =>
        [("weight", 0, [OutFeatures, InFeatures]), ("bias", WeightCount, [OutFeatures])];

    protected override int[] ComputeOutputShape(int[] inputShape)
    {
        if (inputShape.Length != 1 || inputShape[0] != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}, {OutFeatures}) got input of shape {Shape.Format(inputShape)} per sample; flatten first or fix in_features");
        return [OutFeatures];
    }

    public override void Initialize(Span<float> p, Random rng)
    {
        double bound = 1.0 / Math.Sqrt(InFeatures);
        UniformFill(p[..(int)WeightCount], bound, rng);
        UniformFill(p[(int)WeightCount..], bound, rng);
    }

    private Tensor<float> W(Tensor<float> p) => p.Slice(0, OutFeatures, InFeatures);
    private Tensor<float> B(Tensor<float> p) => p.Slice(WeightCount, OutFeatures);

    public override void Forward(Tensor<float> p, Tensor<float> x, Tensor<float> y) =>
        Gemm.Run(x, false, W(p), true, y, bias: B(p), relu: FusedRelu);

    public override void Backward(Tensor<float> p, Tensor<float> x, Tensor<float> y, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dp, bool accumulate)
    {
        float beta = accumulate ? 1f : 0f;
        if (dx is not null) Gemm.Run(dy, false, W(p), false, dx, beta: beta, reluMask: MasksInputGrad ? x : null);   // dx (+)= dy W
        Gemm.Run(dy, true, x, false, W(dp), beta: beta);                        // dW (+)= dyᵀ x
        Reduce.SumRows(dy, B(dp), accumulate: accumulate);                      // db (+)= Σ_batch dy
    }
}
