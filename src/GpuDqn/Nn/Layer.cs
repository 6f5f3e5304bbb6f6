using GpuDqn.Engine;

namespace GpuDqn.Nn;

/// <summary>
/// A layer as a forward/backward pair with the same arguments (llm.c style). Parameters
/// are a slice of the model's one flat buffer; gradients (+=) go to the same slice of the
/// flat gradient buffer. Shapes exclude the batch dimension.
/// </summary>
public abstract class Layer
{
    public int[] InputShape { get; private set; } = [];
    public int[] OutputShape { get; private set; } = [];
    /// <summary>Offset of this layer's parameters in the model's flat buffer.</summary>
    public long ParameterOffset { get; internal set; }
    /// <summary>The network this layer was built into (a layer serves one <see cref="Sequential"/> only).</summary>
    internal Sequential? Owner { get; set; }
    public virtual long ParameterCount => 0;

    /// <summary>Named parameter tensors inside this layer's slice: (name, offset, shape), PyTorch order.</summary>
    public virtual IEnumerable<(string Name, long Offset, int[] Shape)> ParameterLayout() => [];

    internal void Build(int[] inputShape)
    {
        InputShape = inputShape;
        OutputShape = ComputeOutputShape(inputShape);
    }

    protected abstract int[] ComputeOutputShape(int[] inputShape);

    /// <summary>PyTorch's default initialisation of this layer's parameters (host values).</summary>
    public virtual void Initialize(Span<float> parameters, Random rng) { }

    /// <summary>y = f(x; p). <paramref name="p"/> is this layer's slice of the flat parameters.</summary>
    public abstract void Forward(Tensor<float> p, Tensor<float> x, Tensor<float> y);

    /// <summary>
    /// dx += ∂L/∂x (skipped when dx is null) and dp += ∂L/∂p, given dy = ∂L/∂y; with
    /// <paramref name="accumulate"/> false, dx = ∂L/∂x and dp = ∂L/∂p instead (what they held is
    /// ignored), which spares the passes that zero them and the reads of those zeros.
    /// </summary>
    public abstract void Backward(Tensor<float> p, Tensor<float> x, Tensor<float> y, Tensor<float> dy, Tensor<float>? dx, Tensor<float> dp, bool accumulate);

    /// <summary>True when the output is the input's buffer (a fused ReLU, a reshape): no buffer of its own.</summary>
    internal virtual bool ValueAliasesInput => false;
    /// <summary>True when the output's gradient is the input's gradient buffer (a reshape).</summary>
    internal virtual bool GradAliasesInput => false;

    protected static int[] WithBatch(int batch, int[] shape) => [batch, .. shape];

    /// <summary>PyTorch's Kaiming-uniform (a = √5) bound for weights and biases: 1/√fan_in.</summary>
    protected static void UniformFill(Span<float> dst, double bound, Random rng)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
    }
}
