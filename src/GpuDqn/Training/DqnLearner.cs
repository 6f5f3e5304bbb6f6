using GpuDqn.Engine;
using GpuDqn.Kernels;
using GpuDqn.Nn;

namespace GpuDqn.Training;

/// <summary>
/// The DQN update as one pure step over a sampled batch: Q-targets from the target (or
/// online) network, the fused TD loss, backward, gradient clipping, optimizer. V-DQN uses
/// the online network for targets, T-DQN a target network, D-DQN lets the online network
/// choose a* and the target network value it. Everything stays on the device.
/// </summary>
public sealed class DqnLearner
{
    private readonly TrainConfig cfg;
    private readonly Activations current, nextOnline, nextTarget;
    private readonly Tape tape = new();
    private readonly Tensor<float> tdError, scalars, gradScratch;

    public Model Online { get; }
    /// <summary>The target network (null for V-DQN).</summary>
    public Model? Target { get; }
    public Optimizer Optimizer { get; }
    /// <summary>[loss, mean Q(s,a)] of the last update, on the device.</summary>
    public Tensor<float> Scalars => scalars;
    public long Updates { get; private set; }

    public DqnLearner(TrainConfig cfg, Sequential net, Device device)
    {
        this.cfg = cfg;
        Online = new Model(net, device, cfg.Seed);
        Target = cfg.Algo == Algo.Vdqn ? null : Online.Clone();
        Optimizer = new Optimizer(cfg, Online.Parameters, Online.Gradients);
        current = Online.CreateActivations(cfg.BatchSize, withGrads: true);
        nextOnline = Online.CreateActivations(cfg.BatchSize, withGrads: false);
        nextTarget = Online.CreateActivations(cfg.BatchSize, withGrads: false);
        tdError = device.Zeros<float>(cfg.BatchSize);
        scalars = device.Zeros<float>(2);
        gradScratch = device.Zeros<float>(GradNorm.ScratchLength);
    }

    public void Update(DqnBatch batch)
    {
        var nextObs = batch.NextObs.Reshape([cfg.BatchSize, .. Online.Net.InputShape]);
        var obs = batch.Obs.Reshape([cfg.BatchSize, .. Online.Net.InputShape]);
        Tensor<float> qNext;
        Tensor<float>? qNextOnline = null;
        TdVariant variant;
        switch (cfg.Algo)
        {
            case Algo.Vdqn:
                qNext = Online.Forward(nextObs, nextOnline);
                variant = TdVariant.Vanilla;
                break;
            case Algo.Tdqn:
                qNext = Target!.Forward(nextObs, nextTarget);
                variant = TdVariant.Target;
                break;
            default:
                qNext = Target!.Forward(nextObs, nextTarget);
                qNextOnline = Online.Forward(nextObs, nextOnline);
                variant = TdVariant.Double;
                break;
        }
        // The parameter gradients are zero here: allocated so, and every optimizer step below zeroes
        // them once it has read them (one pass instead of a separate memset).
        current.ZeroGrads();
        var q = Online.Forward(obs, current, tape);
        TdLoss.Run(variant, cfg.Loss == LossKind.Huber ? TdLossKind.Huber : TdLossKind.Mse,
            q, qNext, qNextOnline, batch.Actions, batch.Returns, batch.Discounts,
            tdError, scalars.Slice(0, 1), current.OutputGrad, scalars.Slice(1, 1));
        tape.Backward();
        // Clipping = the factor min(1, max_norm / ‖g‖) on the device, applied inside the optimizer's pass.
        var clip = cfg.MaxGradNorm > 0 ? GradNorm.ClipScale(Online.Gradients, cfg.MaxGradNorm, gradScratch) : null;
        Optimizer.Step(new GradStep { Scale = clip, ZeroGrad = true });
        Updates++;
        if (Target is not null && cfg.Tau < 1f) Params.Polyak(Online.Parameters, Target.Parameters, cfg.Tau);
    }

    /// <summary>Hard target update: θ⁻ ← θ (one copy of the flat parameter vector).</summary>
    public void SyncTarget()
    {
        if (Target is not null) Online.Parameters.CopyTo(Target.Parameters);
    }
}
