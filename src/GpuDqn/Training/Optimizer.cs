using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Training;

/// <summary>
/// The optimizer of a model's flat parameter vector: one kernel per step, whatever the
/// network. Its state (moment vectors and step count) is saved with checkpoints.
/// </summary>
public sealed class Optimizer
{
    private readonly TrainConfig cfg;
    private readonly Tensor<float> parameters, gradients;
    /// <summary>Named state vectors, each as long as the parameters (Adam: m, v; RMSProp: square_avg, grad_avg).</summary>
    public IReadOnlyDictionary<string, Tensor<float>> State { get; }
    /// <summary>Steps taken so far (Adam's t).</summary>
    public long Steps { get; set; }
    public OptimizerKind Kind => cfg.Optimizer;

    public Optimizer(TrainConfig cfg, Tensor<float> parameters, Tensor<float> gradients)
    {
        this.cfg = cfg;
        this.parameters = parameters;
        this.gradients = gradients;
        var device = parameters.Device;
        int n = (int)parameters.Length;
        State = cfg.Optimizer switch
        {
            OptimizerKind.Adam => new Dictionary<string, Tensor<float>> { ["exp_avg"] = device.Zeros<float>(n), ["exp_avg_sq"] = device.Zeros<float>(n) },
            OptimizerKind.Rmsprop => cfg.RmspropCentered
                ? new Dictionary<string, Tensor<float>> { ["square_avg"] = device.Zeros<float>(n), ["grad_avg"] = device.Zeros<float>(n) }
                : new Dictionary<string, Tensor<float>> { ["square_avg"] = device.Zeros<float>(n) },
            _ => new Dictionary<string, Tensor<float>>(),
        };
    }

    /// <summary>One step from the current gradients; <paramref name="gradStep"/> can scale them (a clip
    /// factor on the device) and zero them in the same pass.</summary>
    public void Step(GradStep gradStep = default)
    {
        Steps++;
        switch (cfg.Optimizer)
        {
            case OptimizerKind.Adam:
                Adam.Step(parameters, gradients, State["exp_avg"], State["exp_avg_sq"],
                    new AdamConfig { LearningRate = cfg.LearningRate, Epsilon = cfg.OptimizerEps }, (int)Steps, gradStep);
                break;
            case OptimizerKind.Rmsprop:
                RmsProp.Step(parameters, gradients, State["square_avg"], cfg.RmspropCentered ? State["grad_avg"] : null,
                    new RmsPropConfig { LearningRate = cfg.LearningRate, Alpha = cfg.RmspropAlpha, Epsilon = cfg.OptimizerEps, Centered = cfg.RmspropCentered, EpsInsideSqrt = cfg.RmspropEpsInsideSqrt }, gradStep);
                break;
            case OptimizerKind.Sgd:
                Sgd.Step(parameters, gradients, cfg.LearningRate, gradStep: gradStep);
                break;
        }
    }
}
