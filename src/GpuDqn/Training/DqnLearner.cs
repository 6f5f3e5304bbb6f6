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
    // V-DQN and D-DQN also need the online network's Q(s', ·): its activations hold [s; s'] (2B samples).
    private readonly bool pairPass;
    private readonly Activations current;
    private readonly Activations? nextTarget;
    // The host's two forward tasks (ForwardOnTwoCores): [s; s'] and the target's s' cut in row views, made once.
    private readonly Activations sRows, nextRows;
    private readonly Activations? targetRowsA, targetRowsB;
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
        int b = cfg.BatchSize, h = TargetRowsBesideS;
        sRows = pairPass ? current.Rows(0, b) : current;
        nextRows = pairPass ? current.Rows(b, b) : current;
        if (nextTarget is not null)
        {
            targetRowsA = h > 0 ? nextTarget.Rows(0, h) : null;
            targetRowsB = nextTarget.Rows(h, b - h);
        }
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
        var (q, qNext, qNextOnline) = Online.Device is HostDevice ? ForwardOnTwoCores(obs, nextObs) : ForwardBatched(batch, obs, nextObs);
        var variant = cfg.Algo switch { Algo.Vdqn => TdVariant.Vanilla, Algo.Tdqn => TdVariant.Target, _ => TdVariant.Double };
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

    /// <summary>
    /// Q(s) (recording the backward), the target's Q(s') and, for D-DQN, the online Q(s'), on a GPU:
    /// the online network runs once over [s; s'] (2B samples, the backward over the s half only),
    /// which reads its weights once instead of twice.
    /// </summary>
    private (Tensor<float> Q, Tensor<float> QNext, Tensor<float>? QNextOnline) ForwardBatched(DqnBatch batch, Tensor<float> obs, Tensor<float> nextObs)
    {
        int b = cfg.BatchSize;
        if (!pairPass) return (Online.Forward(obs, current, tape, overwriteGradients: true), Target!.Forward(nextObs, nextTarget!), null);
        var both = Online.Forward(ObsThenNext(batch, obs, nextObs), current, tape, gradRows: b, overwriteGradients: true);
        return cfg.Algo == Algo.Vdqn
            ? (both.Rows(0, b), both.Rows(b, b), null)
            : (both.Rows(0, b), Target!.Forward(nextObs, nextTarget!), both.Rows(b, b));
    }

    /// <summary>
    /// The same on the host: the forwards as two equal tasks, one per core, each op in them on that
    /// core alone, so each layer's output stays in the cache that wrote it (an op split over two cores
    /// ran only 1.3–1.4× faster than on one). One core forwards s, recording the backward; the other
    /// the second network pass (V-DQN: online s'; T-DQN: target s'). D-DQN has three passes: the
    /// target's s' is split between the two. The batch is cut by samples, which every host op
    /// computes alike whatever their number, so the result does not depend on the core count.
    /// </summary>
    private (Tensor<float> Q, Tensor<float> QNext, Tensor<float>? QNextOnline) ForwardOnTwoCores(Tensor<float> obs, Tensor<float> nextObs)
    {
        int b = cfg.BatchSize, h = TargetRowsBesideS;
        HostParallel.Invoke(
            () =>
            {
                Online.Forward(obs, sRows, tape, overwriteGradients: true);
                if (targetRowsA is not null) Target!.Forward(nextObs.Rows(0, h), targetRowsA);
            },
            () =>
            {
                if (pairPass) Online.Forward(nextObs, nextRows);
                if (targetRowsB is not null) Target!.Forward(nextObs.Rows(h, b - h), targetRowsB);
            });
        var q = current.Output.Rows(0, b);
        return cfg.Algo switch
        {
            Algo.Vdqn => (q, current.Output.Rows(b, b), null),
            Algo.Tdqn => (q, nextTarget!.Output, null),
            _ => (q, nextTarget!.Output, current.Output.Rows(b, b)),
        };
    }

    /// <summary>D-DQN's target samples forwarded on the core that forwards s (the rest go beside s').</summary>
    private int TargetRowsBesideS => cfg.Algo == Algo.Ddqn ? cfg.BatchSize / 2 : 0;

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
