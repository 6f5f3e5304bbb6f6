using GpuDqn.Engine;

namespace GpuDqn.Nn;

/// <summary>
/// A chain of layers over a fixed per-sample input shape. It holds structure only: the
/// parameters are one flat tensor passed in (so an online and a target network share one
/// Sequential), and activations are an <see cref="Activations"/> passed in. Parameter names
/// follow torch.nn.Sequential ("0.weight", "0.bias", "3.weight", ...), so checkpoints load into
/// the equivalent PyTorch module.
/// </summary>
public sealed class Sequential
{
    public IReadOnlyList<Layer> Layers { get; }
    public int[] InputShape { get; }
    public int[] OutputShape => Layers[^1].OutputShape;
    public long ParameterCount { get; }

    public Sequential(int[] inputShape, params Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0) throw new ArgumentException("a Sequential needs at least one layer", nameof(layers));
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i] is null) throw new ArgumentNullException(nameof(layers), $"layer {i} is null");
            // Building sets the layer's parameter offset and fusions: a second network would change the first.
            if (layers[i].Owner is not null)
                throw new ArgumentException($"layer {i} ({layers[i].GetType().Name}) already belongs to another Sequential; create a new layer instead", nameof(layers));
            if (Array.IndexOf(layers, layers[i]) != i)
                throw new ArgumentException($"layer {i} appears twice in the Sequential; create a new layer instead");
        }
        InputShape = (int[])inputShape.Clone();
        Layers = layers;
        int[] shape = InputShape;
        long offset = 0;
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i].Build(shape);
            layers[i].ParameterOffset = offset;
            offset += layers[i].ParameterCount;
            shape = layers[i].OutputShape;
            // A ReLU right after a Linear or Conv2d runs in that layer's epilogue.
            if (layers[i] is Relu r && i > 0 && layers[i - 1] is Linear or Conv2d)
            {
                r.Fused = true;
                if (layers[i - 1] is Linear lin) lin.FusedRelu = true;
                else ((Conv2d)layers[i - 1]).FusedRelu = true;
            }
            // A Linear reading a fused ReLU's output (through reshapes) masks the gradient it writes
            // into it: that ReLU's backward, done while the GEMM's blocks are still in cache.
            if (layers[i] is Linear consumer)
            {
                int j = i - 1;
                while (j >= 0 && layers[j] is Flatten) j--;
                if (j >= 0 && layers[j] is Relu { Fused: true } fed)
                {
                    consumer.MasksInputGrad = true;
                    fed.MaskedByConsumer = true;
                }
            }
        }
        ParameterCount = offset;
        // Only once every layer built: a network that failed to build claims none of them.
        foreach (var l in layers) l.Owner = this;
    }

    /// <summary>(name, offset in the flat buffer, shape) of every parameter tensor, PyTorch's order.</summary>
    public IEnumerable<(string Name, long Offset, int[] Shape)> NamedParameters()
    {
        for (int i = 0; i < Layers.Count; i++)
            foreach (var (name, off, shape) in Layers[i].ParameterLayout())
                yield return ($"{i}.{name}", Layers[i].ParameterOffset + off, shape);
    }

    /// <summary>PyTorch's default initialisation, drawn from <paramref name="seed"/>.</summary>
    public float[] InitialParameters(int seed)
    {
        var p = new float[ParameterCount];
        var rng = new Random(seed);
        foreach (var l in Layers)
            l.Initialize(p.AsSpan((int)l.ParameterOffset, (int)l.ParameterCount), rng);
        return p;
    }

    public Activations CreateActivations(Device device, int batch, bool withGrads) => new(this, device, batch, withGrads);

    private Tensor<float> Slice(Tensor<float> flat, Layer l) => flat.Slice(l.ParameterOffset, (int)l.ParameterCount);

    /// <summary>
    /// Runs the layers on <paramref name="x"/> [batch, ...InputShape] with parameters
    /// <paramref name="parameters"/>. With a tape, records each layer's backward, which will
    /// accumulate into <paramref name="gradients"/> (the flat gradient buffer) and into the
    /// activation gradients; dL/dx is computed only when <paramref name="x"/> needs it.
    /// With <paramref name="gradRows"/> (1..batch-1) the backward covers only the first gradRows
    /// samples: the rest were forwarded for their values alone (DQN's Q(s') beside Q(s)).
    /// With <paramref name="overwriteGradients"/> the backward writes the parameter gradients and the
    /// activation gradients (and <paramref name="x"/>'s, if it has one) instead of adding to them: in a
    /// chain each has one writer per pass, as after PyTorch's zero_grad(set_to_none=True), so nobody
    /// need zero them first; only for one recorded pass per backward, whose output gradient is written.
    /// </summary>
    public Tensor<float> Forward(Tensor<float> parameters, Variable x, Activations acts, Tape? tape = null, Tensor<float>? gradients = null, int gradRows = 0,
        bool overwriteGradients = false)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"parameters have {parameters.Length} elements, this network has {ParameterCount}");
        int[] expected = [acts.Batch, .. InputShape];
        if (!x.Shape.SequenceEqual(expected))
            throw new ArgumentException($"input has shape {Shape.Format(x.Shape)}, expected {Shape.Format(expected)}");
        if (tape is not null && (gradients is null || !acts.HasGrads))
            throw new ArgumentException("recording on a tape needs a gradient buffer and activations made with gradients");
        if (gradients is not null && gradients.Length != ParameterCount)
            throw new ArgumentException($"gradients have {gradients.Length} elements, this network has {ParameterCount}");
        if (gradRows < 0 || gradRows > acts.Batch)
            throw new ArgumentOutOfRangeException(nameof(gradRows), gradRows, $"gradRows must lie in [0, {acts.Batch}] (0 = the whole batch)");
        int rows = gradRows == 0 ? acts.Batch : gradRows;
        int generation = ++acts.Generation;

        var input = x;
        for (int i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i];
            var p = Slice(parameters, layer);
            var y = acts.Outputs[i];
            layer.Forward(p, input.Value, y);
            if (tape is not null)
            {
                var (xi, yi, dy, dx, dp) = (input.Value, y, acts.OutputGrads[i]!, input.Grad, Slice(gradients!, layer));
                if (rows < acts.Batch)
                    (xi, yi, dy, dx) = (xi.Rows(0, rows), yi.Rows(0, rows), dy.Rows(0, rows), dx?.Rows(0, rows));
                if (layer.GradAliasesInput && dx is null) { }  // a reshape of a gradient-free input: nothing flows
                else tape.Record(() => layer.Backward(p, xi, yi, dy, dx, dp, accumulate: !overwriteGradients));
            }
            input = new Variable(y, acts.OutputGrads[i]);
        }
        // Replayed first: a later forward into the same activations has replaced the values this
        // backward reads, and it would return the gradients of the newer inputs without a word.
        tape?.Record(() =>
        {
            if (acts.Generation != generation)
                throw new InvalidOperationException("these activations were forwarded again after this pass was recorded; Backward would differentiate the newer pass. Give each pass you backpropagate its own Activations (or run Backward first)");
        });
        return acts.Output;
    }
}
