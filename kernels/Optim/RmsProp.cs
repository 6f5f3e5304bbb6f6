using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// RMSProp hyper-parameters; the defaults are PyTorch's (<c>torch.optim.RMSprop</c>).
/// <see cref="EpsInsideSqrt"/> switches to the DeepMind / TensorFlow form used by the DQN
/// Nature paper: the denominator is √(avg + ε) instead of √avg + ε.
/// </summary>
public sealed record RmsPropConfig
{
    public float LearningRate { get; init; } = 1e-2f;
    /// <summary>Decay of the running averages ("squared gradient momentum").</summary>
    public float Alpha { get; init; } = 0.99f;
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>Subtract the squared running mean of the gradient (needs a gradAvg buffer).</summary>
    public bool Centered { get; init; }
    /// <summary>Denominator √(avg + ε) (DeepMind/TensorFlow) instead of √avg + ε (PyTorch).</summary>
    public bool EpsInsideSqrt { get; init; }
    /// <summary>L2 penalty added to the gradient (g += wd·p), as in PyTorch. Off by default.</summary>
    public float WeightDecay { get; init; }

    /// <summary>
    /// The DQN Nature paper's optimiser (Mnih et al. 2015; DeepMind's Lua code): lr 2.5e-4,
    /// squared and gradient momentum 0.95, min squared gradient 0.01 inside the square root, centered.
    /// </summary>
    public static RmsPropConfig DqnNature { get; } = new() { LearningRate = 2.5e-4f, Alpha = 0.95f, Epsilon = 0.01f, Centered = true, EpsInsideSqrt = true };

    /// <summary>
    /// MinAtar's DQN baseline (Young &amp; Tian 2019, PyTorch): <c>RMSprop(lr=2.5e-4, alpha=0.95, centered=True, eps=0.01)</c>.
    /// </summary>
    public static RmsPropConfig MinAtar { get; } = new() { LearningRate = 2.5e-4f, Alpha = 0.95f, Epsilon = 0.01f, Centered = true };

    internal void Validate()
    {
        if (!(LearningRate >= 0f) || !float.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "RMSProp learning rate must be finite and >= 0");
        if (!(Alpha >= 0f && Alpha < 1f)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "RMSProp alpha must lie in [0, 1)");
        if (!(Epsilon >= 0f) || !float.IsFinite(Epsilon)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "RMSProp epsilon must be finite and >= 0");
        if (!(WeightDecay >= 0f) || !float.IsFinite(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "RMSProp weight decay must be finite and >= 0");
    }
}

/// <summary>
/// One RMSProp step over a flat parameter vector (no momentum buffer):
/// sq = α sq + (1-α) g²; centered: ga = α ga + (1-α) g and avg = sq - ga², else avg = sq;
/// p -= lr · g / (√avg + ε)  (PyTorch), or p -= lr · g / √(avg + ε) with <see cref="RmsPropConfig.EpsInsideSqrt"/>.
/// One deviation from PyTorch: a centered avg that rounding makes slightly negative is taken
/// as 0 (PyTorch would produce NaN there).
/// </summary>
public static class RmsProp
{
    /// <param name="param">parameters, updated in place</param>
    /// <param name="grad">gradients (read only)</param>
    /// <param name="squareAvg">running average of g², same length, zeros before the first step</param>
    /// <param name="gradAvg">running average of g (only and always when <see cref="RmsPropConfig.Centered"/>), zeros before the first step</param>
    /// <param name="cfg">hyper-parameters</param>
    /// <param name="gradStep">optional: scale the gradient by a device-side factor and zero it after use, in the same pass</param>
    public static void Step(Tensor<float> param, Tensor<float> grad, Tensor<float> squareAvg, Tensor<float>? gradAvg, RmsPropConfig cfg, GradStep gradStep = default)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        cfg.Validate();
        Check.SameLength(param, nameof(param), grad, nameof(grad));
        Check.SameLength(param, nameof(param), squareAvg, nameof(squareAvg));
        if (cfg.Centered)
        {
            if (gradAvg is null) throw new ArgumentNullException(nameof(gradAvg), "centered RMSProp needs a gradAvg buffer");
            Check.SameLength(param, nameof(param), gradAvg, nameof(gradAvg));
        }
        else if (gradAvg is not null)
            throw new ArgumentException("gradAvg is only used by centered RMSProp; pass null or set Centered", nameof(gradAvg));
        Check.SameDevice(param.Device, grad, squareAvg, gradAvg!);
        gradStep.Validate(grad);
        if (param.Length == 0) return;
        var s = new RmsPropScalars(cfg.Alpha, (float)(1.0 - cfg.Alpha), cfg.LearningRate, cfg.Epsilon, cfg.WeightDecay,
            cfg.Centered ? 1 : 0, cfg.EpsInsideSqrt ? 1 : 0);
        if (param.Device is IlgpuDevice g)
            RmsPropKernel.Step(g, param.View, grad.View, squareAvg.View, gradAvg is null ? squareAvg.View : gradAvg.View, s, gradStep);
        else
            RmsPropHost.Step(param.Span, grad.Span, squareAvg.Span, gradAvg is null ? squareAvg.Span : gradAvg.Span, s, gradStep.HostScale, gradStep.ZeroGrad);
    }
}

internal readonly struct RmsPropScalars(float alpha, float oneMinusAlpha, float lr, float eps, float weightDecay, int centered, int epsInside)
{
    public readonly float Alpha = alpha, OneMinusAlpha = oneMinusAlpha, Lr = lr, Eps = eps, WeightDecay = weightDecay;
    public readonly int Centered = centered, EpsInside = epsInside;
}
