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
    // V-DQN and D-DQN also need the online network's Q(s', ·): it runs once over [s; s'] (2B
    // samples, the backward on the s half only), which reads its weights once instead of twice.
    private readonly bool pairPass;
    private readonly Activations current;
    private readonly Activations? nextTarget;
    private readonly Tape tape = new();
    private readonly Tensor<float> tdError, scalars, gradScratch;
    private Tensor<float>? pairScratch;

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
        pairPass = cfg.Algo != Algo.Tdqn;
        current = Online.CreateActivations(pairPass ? 2 * cfg.BatchSize : cfg.BatchSize, withGrads: true);
        nextTarget = Target is null ? null : Online.CreateActivations(cfg.BatchSize, withGrads: false);
        tdError = device.Zeros<float>(cfg.BatchSize);
        scalars = device.Zeros<float>(2);
        gradScratch = device.Zeros<float>(GradNorm.ScratchLength);
    }

    public void Update(DqnBatch batch)
    {
        int b = cfg.BatchSize;
        var nextObs = batch.NextObs.Reshape([b, .. Online.Net.InputShape]);
        var obs = batch.Obs.Reshape([b, .. Online.Net.InputShape]);
        // The backward writes the parameter and activation gradients outright (overwriteGradients), so
        // none needs zeroing: on the MinAtar update that spares the optimizer a store and fc1's weight
        // gradient a read of 512 KB each, and a 144 KB memset of the activation gradients.
        Tensor<float> q, qNext;
        Tensor<float>? qNextOnline = null;
        TdVariant variant;
        if (pairPass)
        {
            var both = Online.Forward(ObsThenNext(batch, obs, nextObs), current, tape, gradRows: b, overwriteGradients: true);
            q = both.Rows(0, b);
            if (cfg.Algo == Algo.Vdqn)
            {
                qNext = both.Rows(b, b);
                variant = TdVariant.Vanilla;
            }
            else
            {
                qNext = Target!.Forward(nextObs, nextTarget!);
                qNextOnline = both.Rows(b, b);
                variant = TdVariant.Double;
            }
        }
        else
        {
            qNext = Target!.Forward(nextObs, nextTarget!);
            q = Online.Forward(obs, current, tape, overwriteGradients: true);
            variant = TdVariant.Target;
        }
        TdLoss.Run(variant, cfg.Loss == LossKind.Huber ? TdLossKind.Huber : TdLossKind.Mse,
            q, qNext, qNextOnline, batch.Actions, batch.Returns, batch.Discounts,
            tdError, scalars.Slice(0, 1), current.OutputGrad.Rows(0, b), scalars.Slice(1, 1));
        tape.Backward();
        // Clipping = the factor min(1, max_norm / ‖g‖) on the device, applied inside the optimizer's pass.
        var clip = cfg.MaxGradNorm > 0 ? GradNorm.ClipScale(Online.Gradients, cfg.MaxGradNorm, gradScratch) : null;
        Optimizer.Step(new GradStep { Scale = clip });
        Updates++;
        if (Target is not null && cfg.Tau < 1f) Params.Polyak(Online.Parameters, Target.Parameters, cfg.Tau);
    }

    /// <summary>[s; s'] as one [2B, ...] tensor: a view when the batch keeps s' right after s (the
    /// replay batches do), else a copy into scratch.</summary>
    private Tensor<float> ObsThenNext(DqnBatch batch, Tensor<float> obs, Tensor<float> nextObs)
    {
        int[] shape = [2 * cfg.BatchSize, .. Online.Net.InputShape];
        if (ReferenceEquals(batch.Obs.Buffer, batch.NextObs.Buffer) && batch.NextObs.Offset == batch.Obs.Offset + batch.Obs.Length)
            return new Tensor<float>(batch.Obs.Buffer, batch.Obs.Offset, shape);
        pairScratch ??= Online.Device.Zeros<float>(shape);
        obs.CopyTo(pairScratch.Rows(0, cfg.BatchSize));
        nextObs.CopyTo(pairScratch.Rows(cfg.BatchSize, cfg.BatchSize));
        return pairScratch;
    }

    /// <summary>Hard target update: θ⁻ ← θ (one copy of the flat parameter vector).</summary>
    public void SyncTarget()
    {
        if (Target is not null) Online.Parameters.CopyTo(Target.Parameters);
    }
}
