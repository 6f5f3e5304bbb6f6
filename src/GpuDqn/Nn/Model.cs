using GpuDqn.Engine;

namespace GpuDqn.Nn;

/// <summary>
/// A network's structure plus its parameters and gradients on a device, each one flat
/// tensor: an optimizer step, zeroing the gradients, a target-network copy and Polyak
/// averaging are one kernel each.
/// </summary>
public sealed class Model
{
    public Sequential Net { get; }
    public Device Device { get; }
    public Tensor<float> Parameters { get; }
    public Tensor<float> Gradients { get; }

    public Model(Sequential net, Device device, int seed)
        : this(net, device, device.FromArray(Checked(net).InitialParameters(seed), (int)net.ParameterCount)) { }

    private Model(Sequential net, Device device, Tensor<float> parameters)
    {
        Net = net;
        Device = device;
        Parameters = parameters;
        Gradients = device.Zeros<float>((int)net.ParameterCount);
    }

    /// <summary>A second model of the same structure with a copy of these parameters (a target network),
    /// copied on the device.</summary>
    public Model Clone()
    {
        var copy = Device.Zeros<float>((int)Net.ParameterCount);
        Parameters.CopyTo(copy);
        return new Model(Net, Device, copy);
    }

    public void ZeroGrad() => Gradients.Buffer.Clear();

    // The flat parameter and gradient tensors are indexed by int.
    private static Sequential Checked(Sequential net) => net.ParameterCount <= int.MaxValue ? net
        : throw new ArgumentException($"the network has {net.ParameterCount:N0} parameters; at most {int.MaxValue:N0} fit one flat tensor");

    public Activations CreateActivations(int batch, bool withGrads) => Net.CreateActivations(Device, batch, withGrads);

    /// <summary>Forward pass; with a tape, records the backward into <see cref="Gradients"/> (over the
    /// first <paramref name="gradRows"/> samples only, when given; overwriting the gradients instead of
    /// adding to them with <paramref name="overwriteGradients"/>: see <see cref="Sequential.Forward"/>).</summary>
    public Tensor<float> Forward(Tensor<float> x, Activations acts, Tape? tape = null, int gradRows = 0, bool overwriteGradients = false) =>
        Net.Forward(Parameters, Variable.Constant(x), acts, tape, tape is null ? null : Gradients, gradRows, overwriteGradients);
}

/// <summary>The networks GpuDqn ships: an MLP, the MinAtar network and the Nature DQN network.</summary>
public static class Networks
{
    /// <summary>Linear → ReLU → ... → Linear(actions), like CleanRL's CartPole Q-network (120, 84).</summary>
    public static Sequential Mlp(int observations, int actions, params int[] hidden) =>
        new([observations], [.. MlpLayers(observations, actions, hidden)]);

    /// <summary>An MLP over observations of any shape: flattened first unless they are vectors (PyTorch's
    /// nn.Flatten(), nn.Linear, ...).</summary>
    public static Sequential Mlp(int[] observationShape, int actions, params int[] hidden) => observationShape.Length == 1
        ? Mlp(observationShape[0], actions, hidden)
        : new(observationShape, [new Flatten(), .. MlpLayers((int)Shape.Count(observationShape), actions, hidden)]);

    private static List<Layer> MlpLayers(int observations, int actions, int[] hidden)
    {
        var layers = new List<Layer>();
        int d = observations;
        foreach (int h in hidden)
        {
            layers.Add(new Linear(d, h));
            layers.Add(new Relu());
            d = h;
        }
        layers.Add(new Linear(d, actions));
        return layers;
    }

    /// <summary>MinAtar's DQN: conv 16 3×3 → ReLU → flatten → 128 → ReLU → actions, input [C, 10, 10].</summary>
    public static Sequential MinAtar(int channels, int actions) => new([channels, 10, 10],
        new Conv2d(channels, 16, 3), new Relu(), new Flatten(), new Linear(16 * 8 * 8, 128), new Relu(), new Linear(128, actions));

    /// <summary>The Nature DQN network for [4, 84, 84] inputs.</summary>
    public static Sequential Nature(int actions, int frames = 4) => new([frames, 84, 84],
        new Conv2d(frames, 32, 8, 4), new Relu(), new Conv2d(32, 64, 4, 2), new Relu(), new Conv2d(64, 64, 3, 1), new Relu(),
        new Flatten(), new Linear(3136, 512), new Relu(), new Linear(512, actions));
}
