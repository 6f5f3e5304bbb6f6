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
    // The host's forward tasks (ForwardOnTwoCores): the recorded pass over s, and the other passes
    // over s' cut into chunks of samples (network, first sample, activation rows), made once.
    private readonly Activations sRows;
    private readonly (Model Net, int Start, Activations Acts)[] nextChunks;
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
        ArgumentNullException.ThrowIfNull(cfg);
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(device);
        // The Trainer validates too; a learner embedded on its own must not run with tau 0 or an unknown optimizer.
        this.cfg = cfg.Validate();
        Online = new Model(net, device, cfg.Seed);
        Target = cfg.Algo == Algo.Vdqn ? null : Online.Clone();
        Optimizer = new Optimizer(cfg, Online.Parameters, Online.Gradients);
        pairPass = cfg.Algo != Algo.Tdqn;
        current = Online.CreateActivations(pairPass ? 2 * cfg.BatchSize : cfg.BatchSize, withGrads: true);
        nextTarget = Target is null ? null : Online.CreateActivations(cfg.BatchSize, withGrads: false);
        int b = cfg.BatchSize;
        sRows = pairPass ? current.Rows(0, b) : current;
        var chunks = new List<(Model, int, Activations)>();
        for (int start = 0; start < b; start += ChunkRows)
        {
            int n = Math.Min(ChunkRows, b - start);
            if (pairPass) chunks.Add((Online, start, current.Rows(b + start, n)));
            if (Target is not null) chunks.Add((Target, start, nextTarget!.Rows(start, n)));
        }
        nextChunks = [.. chunks];
        tdError = device.Zeros<float>(cfg.BatchSize);
        scalars = device.Zeros<float>(2);
        gradScratch = device.Zeros<float>(GradNorm.ScratchLength);
    }

    public void Update(DqnBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        int b = cfg.BatchSize;
        if (batch.Actions.Length != b)
            throw new ArgumentException($"the batch holds {batch.Actions.Length} samples, the learner was made for batch_size {b}", nameof(batch));
        var nextObs = batch.NextObs.Reshape([b, .. Online.Net.InputShape]);
        var obs = batch.Obs.Reshape([b, .. Online.Net.InputShape]);
        // The backward writes the parameter and activation gradients outright (overwriteGradients), so
        // none needs zeroing: on the MinAtar update that spares the optimizer a store and fc1's weight
        // gradient a read of 512 KB each, and a 144 KB memset of the activation gradients.
        if (Online.Device is HostDevice) ForwardOnTwoCores(obs, nextObs);
        else ForwardBatched(batch, obs, nextObs);
        // Q(s) and the online Q(s') are the two halves of `current` ([s; s']), the target's Q(s') is `nextTarget`.
        var q = current.Output.Rows(0, b);
        Tensor<float>? qNextOnline = cfg.Algo == Algo.Ddqn ? current.Output.Rows(b, b) : null;
        var qNext = cfg.Algo == Algo.Vdqn ? current.Output.Rows(b, b) : nextTarget!.Output;
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
    /// The forwards (recording the backward of Q(s)) on a GPU: the online network runs once over
    /// [s; s'] (2B samples, the backward over the s half only), which reads its weights once instead of twice.
    /// </summary>
    private void ForwardBatched(DqnBatch batch, Tensor<float> obs, Tensor<float> nextObs)
    {
        if (pairPass) Online.Forward(ObsThenNext(batch, obs, nextObs), current, tape, gradRows: cfg.BatchSize, overwriteGradients: true);
        else Online.Forward(obs, current, tape, overwriteGradients: true);
        Target?.Forward(nextObs, nextTarget!);
    }

    /// <summary>
    /// The same on the host: the forwards as two tasks, one per core, each op in them on that core
    /// alone, so each layer's output stays in the cache that wrote it (an op split over two cores ran
    /// only 1.3–1.4× faster than on one). One core forwards s, recording the backward, then helps with
    /// the rest; the other starts on the rest at once: the passes over s' (V-DQN: online; T-DQN:
    /// target; D-DQN: both) in chunks of <see cref="ChunkRows"/> samples, which each core takes in
    /// turn until none is left (so a core in one of the machine's slow windows takes fewer). Every
    /// host op computes a sample alike whatever the cut and whichever core runs it, so the result
    /// depends on neither the core count nor the timing.
    /// </summary>
    private void ForwardOnTwoCores(Tensor<float> obs, Tensor<float> nextObs)
    {
        int taken = 0;
        void TakeChunks()
        {
            for (int c; (c = Interlocked.Increment(ref taken) - 1) < nextChunks.Length;)
            {
                var (net, start, acts) = nextChunks[c];
                net.Forward(nextObs.Rows(start, acts.Batch), acts);
            }
        }
        HostParallel.Invoke(
            () =>
            {
                Online.Forward(obs, sRows, tape, overwriteGradients: true);
                TakeChunks();
            },
            TakeChunks);
    }

    /// <summary>Samples per chunk of the passes over s' on the host: 16 fill the GEMM's 16-wide panels of a
    /// dense forward computed as Cᵀ (8 would pad them to 16).</summary>
    private const int ChunkRows = 16;

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
