namespace GpuDqn.Nn;

/// <summary>
/// Records the backward step of each op as the forward pass runs, then replays them in
/// reverse. Each backward step accumulates (+=) into gradient buffers, so a caller zeroes the
/// gradients it owns before a pass (see <see cref="Activations.ZeroGrads"/>), unless the pass was
/// recorded to write them (<see cref="Sequential.Forward"/>'s overwriteGradients).
/// </summary>
public sealed class Tape
{
    private readonly List<Action> steps = [];

    public int Count => steps.Count;

    public void Record(Action backward) => steps.Add(backward);

    /// <summary>Runs every recorded backward step, last op first, then forgets them.</summary>
    public void Backward()
    {
        for (int i = steps.Count - 1; i >= 0; i--) steps[i]();
        steps.Clear();
    }

    public void Clear() => steps.Clear();
}
