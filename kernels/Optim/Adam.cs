using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>Adam hyper-parameters; the defaults are PyTorch's (<c>torch.optim.Adam</c>).</summary>
public sealed record AdamConfig
{
    public float LearningRate { get; init; } = 1e-3f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>L2 penalty added to the gradient (g += wd·p), as in PyTorch's Adam (not AdamW). Off by default.</summary>
    public float WeightDecay { get; init; }

    internal void Validate()
    {
        if (!(LearningRate >= 0f) || !float.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "Adam learning rate must be finite and >= 0");
        if (!(Beta1 >= 0f && Beta1 < 1f)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "Adam beta1 must lie in [0, 1)");
        if (!(Beta2 >= 0f && Beta2 < 1f)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "Adam beta2 must lie in [0, 1)");
        if (!(Epsilon >= 0f) || !float.IsFinite(Epsilon)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Adam epsilon must be finite and >= 0");
        if (!(WeightDecay >= 0f) || !float.IsFinite(WeightDecay)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Adam weight decay must be finite and >= 0");
    }
}

/// <summary>
/// One Adam step over a flat parameter vector, PyTorch semantics (<c>torch.optim.Adam</c>,
/// single-tensor form): m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
/// p -= (lr / (1-β1^t)) · m / (√v · (1/√(1-β2^t)) + ε), i.e. lr·m̂/(√v̂ + ε).
/// The bias corrections are computed on the host in float64 and passed to the kernel (as a
/// reciprocal: a multiply instead of PyTorch's division, which differs by at most an ulp).
/// </summary>
public static class Adam
{
    /// <param name="param">parameters, updated in place</param>
    /// <param name="grad">gradients (read only)</param>
    /// <param name="m">first-moment state, same length, zeros before the first step</param>
    /// <param name="v">second-moment state, same length, zeros before the first step</param>
    /// <param name="cfg">hyper-parameters</param>
    /// <param name="t">the step number, 1 for the first step</param>
    /// <param name="gradStep">optional: scale the gradient by a device-side factor and zero it after use, in the same pass</param>
    public static void Step(Tensor<float> param, Tensor<float> grad, Tensor<float> m, Tensor<float> v, AdamConfig cfg, int t, GradStep gradStep = default)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        cfg.Validate();
        if (t < 1) throw new ArgumentOutOfRangeException(nameof(t), t, "the Adam step number t starts at 1");
        Check.SameLength(param, nameof(param), grad, nameof(grad));
        Check.SameLength(param, nameof(param), m, nameof(m));
        Check.SameLength(param, nameof(param), v, nameof(v));
        Check.SameDevice(param.Device, grad, m, v);
        gradStep.Validate(grad);
        if (param.Length == 0) return;
        var s = AdamScalars.From(cfg, t);
        if (param.Device is IlgpuDevice g) AdamKernel.Step(g, param.View, grad.View, m.View, v.View, s, gradStep);
        else AdamHost.Step(param.Span, grad.Span, m.Span, v.Span, s, gradStep.HostScale, gradStep.ZeroGrad);
    }
}

/// <summary>The per-step scalars of an Adam update, computed once on the host.</summary>
internal readonly struct AdamScalars(float beta2, float oneMinusBeta1, float oneMinusBeta2, float stepSize, float invBc2Sqrt, float eps, float weightDecay)
{
    public readonly float Beta2 = beta2, OneMinusBeta1 = oneMinusBeta1, OneMinusBeta2 = oneMinusBeta2;
    /// <summary>InvBc2Sqrt = 1/√(1-β2^t).</summary>
    public readonly float StepSize = stepSize, InvBc2Sqrt = invBc2Sqrt, Eps = eps, WeightDecay = weightDecay;

    public static AdamScalars From(AdamConfig cfg, int t)
    {
        double bc1 = 1 - Math.Pow(cfg.Beta1, t), bc2 = 1 - Math.Pow(cfg.Beta2, t);
        return new AdamScalars(cfg.Beta2, (float)(1.0 - cfg.Beta1), (float)(1.0 - cfg.Beta2),
            (float)(cfg.LearningRate / bc1), (float)(1.0 / Math.Sqrt(bc2)), cfg.Epsilon, cfg.WeightDecay);
    }
}
