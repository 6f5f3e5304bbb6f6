using GpuDqn.Engine;

namespace GpuDqn.Nn;

/// <summary>
/// The activation (and, for training, activation-gradient) buffers of one forward pass of a
/// <see cref="Sequential"/> at a fixed batch size, allocated once and reused every step. Values
/// and gradients each live in one buffer, so zeroing all gradients is one memset. A network
/// forwarded on two inputs in the same step (online Q(s) and Q(s')) uses two of these, or one
/// twice as deep whose two halves (<see cref="Rows"/>) are forwarded apart.
/// </summary>
public sealed class Activations
{
    public int Batch { get; }
    /// <summary>Counts the forwards into these activations (per object: a row view counts its own), so a
    /// recorded backward can tell that its values were overwritten.</summary>
    internal int Generation { get; set; }
    public bool HasGrads => grads is not null;
    private readonly DeviceBuffer<float> values;
    private readonly DeviceBuffer<float>? grads;
    internal Tensor<float>[] Outputs { get; }
    internal Tensor<float>?[] OutputGrads { get; }
    // The gradients with storage of their own (the rest alias the layer before), over this batch's rows.
    private readonly List<Tensor<float>> ownGrads = [];
    // A row view clears its own rows only; the whole batch clears `grads` in one memset.
    private readonly bool isView;

    internal Activations(Sequential net, Device device, int batch, bool withGrads)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), $"batch size must be positive, got {batch}");
        Batch = batch;
        var layers = net.Layers;
        long valueTotal = 0, gradTotal = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            // A first layer has no layer output to alias (a Flatten there copies its input): it gets storage.
            long n = batch * Shape.Count(layers[i].OutputShape);
            if (!layers[i].ValueAliasesInput || i == 0) valueTotal += n;
            if (!layers[i].GradAliasesInput || i == 0) gradTotal += n;
        }
        values = device.Allocate<float>(valueTotal);
        grads = withGrads ? device.Allocate<float>(gradTotal) : null;
        Outputs = new Tensor<float>[layers.Count];
        OutputGrads = new Tensor<float>?[layers.Count];
        long vo = 0, go = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            var l = layers[i];
            int[] shape = [batch, .. l.OutputShape];
            long n = Shape.Count(shape);
            if (l.ValueAliasesInput && i > 0) Outputs[i] = Outputs[i - 1].Reshape(shape);
            else { Outputs[i] = new Tensor<float>(values, vo, shape); vo += n; }
            if (grads is null) continue;
            if (l.GradAliasesInput && i > 0) OutputGrads[i] = OutputGrads[i - 1]!.Reshape(shape);
            else { OutputGrads[i] = new Tensor<float>(grads, go, shape); ownGrads.Add(OutputGrads[i]!); go += n; }
        }
    }

    private Activations(Activations whole, int start, int count)
    {
        Batch = count;
        values = whole.values;
        grads = whole.grads;
        Outputs = [.. whole.Outputs.Select(o => o.Rows(start, count))];
        OutputGrads = [.. whole.OutputGrads.Select(g => g?.Rows(start, count))];
        ownGrads = [.. whole.ownGrads.Select(g => g.Rows(start, count))];
        isView = true;
    }

    /// <summary>The samples [start, start + count) of these buffers as activations of their own (a view:
    /// a forward over them writes these rows).</summary>
    public Activations Rows(int start, int count)
    {
        if (start < 0 || count <= 0 || start + count > Batch)
            throw new ArgumentOutOfRangeException(nameof(count), $"rows [{start}, {start + count}) do not lie in a batch of {Batch}");
        return new Activations(this, start, count);
    }

    /// <summary>The network output of the last forward pass [batch, ...].</summary>
    public Tensor<float> Output => Outputs[^1];

    /// <summary>Where the caller writes ∂L/∂output before <see cref="Tape.Backward"/>.</summary>
    public Tensor<float> OutputGrad => OutputGrads[^1] ?? throw new InvalidOperationException("these activations were made without gradients (withGrads: false)");

    /// <summary>Zeroes every activation gradient (they accumulate with +=).</summary>
    public void ZeroGrads()
    {
        if (!isView) grads?.Clear();
        else foreach (var g in ownGrads) g.Clear();
    }
}
