using GpuDqn.Engine;
using GpuDqn.Kernels;
using GpuDqn.Nn;
using GpuDqn.SelfTest;
using GpuDqn.Training;
using Xunit;

namespace GpuDqn.Tests.Training;

/// <summary>
/// The learner fuses gradient clipping and zeroing into the optimizer's pass. Its updates must
/// equal the plain sequence written out op by op: forward, TD loss, backward, clip the gradient
/// in place, optimizer step, zero the gradient.
/// </summary>
public class DqnLearnerTests
{
    // adjacent: s' directly follows s in memory (as the replay batches keep them), so V-DQN and
    // D-DQN run their online pass over [s; s'] as a view; otherwise the learner copies the pair.
    public static TheoryData<string, Algo, OptimizerKind, bool> Cases()
    {
        var d = new TheoryData<string, Algo, OptimizerKind, bool>();
        foreach (var id in TestDevices.Ids)
        {
            d.Add(id, Algo.Ddqn, OptimizerKind.Adam, true);
            d.Add(id, Algo.Ddqn, OptimizerKind.Adam, false);
            d.Add(id, Algo.Tdqn, OptimizerKind.Rmsprop, true);
            d.Add(id, Algo.Vdqn, OptimizerKind.Sgd, false);
            d.Add(id, Algo.Vdqn, OptimizerKind.Sgd, true);
        }
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fused_update_equals_the_op_by_op_update(string deviceId, Algo algo, OptimizerKind optimizer, bool adjacent)
    {
        var device = TestDevices.Get(deviceId);
        int seed = TestDevices.NewSeed(), batch = 5;
        var net = Networks.Mlp(3, 4, 7);
        // A small max norm, so clipping really scales the gradient.
        var cfg = new TrainConfig
        {
            Algo = algo, Optimizer = optimizer, BatchSize = batch, BufferSize = batch, LearningRate = 0.01f,
            MaxGradNorm = 0.05f, RmspropCentered = true, Seed = seed,
        };
        var learner = new DqnLearner(cfg, net, device);
        var rng = new Random(seed);
        var pair = device.FromArray(Reference.Uniform(rng, 2 * batch * 3), 2 * batch, 3);
        var data = new DqnBatch(
            adjacent ? pair.Rows(0, batch) : device.FromArray(pair.Rows(0, batch).ToArray(), batch, 3),
            adjacent ? pair.Rows(batch, batch) : device.FromArray(pair.Rows(batch, batch).ToArray(), batch, 3),
            device.FromArray(Enumerable.Range(0, batch).Select(_ => rng.Next(4)).ToArray(), batch),
            device.FromArray(Reference.Uniform(rng, batch), batch),
            device.FromArray([0.99f, 0f, 0.99f, 0.9801f, 0.99f], batch));

        // The reference: the same networks and optimizer state, driven op by op.
        var online = learner.Online.Clone();
        var target = learner.Target?.Clone();
        var reference = new Optimizer(cfg, online.Parameters, online.Gradients);
        var acts = online.CreateActivations(batch, withGrads: true);
        var next = online.CreateActivations(batch, withGrads: false);
        var nextOnline = online.CreateActivations(batch, withGrads: false);
        var tape = new Tape();
        var td = device.Zeros<float>(batch);
        var scalars = device.Zeros<float>(2);
        var scratch = device.Zeros<float>(GradNorm.ScratchLength);

        for (int step = 0; step < 3; step++)
        {
            learner.Update(data);

            var qNext = (target ?? online).Forward(data.NextObs, next);
            var qNextOnline = algo == Algo.Ddqn ? online.Forward(data.NextObs, nextOnline) : null;
            var variant = algo switch { Algo.Vdqn => TdVariant.Vanilla, Algo.Tdqn => TdVariant.Target, _ => TdVariant.Double };
            online.ZeroGrad();
            acts.ZeroGrads();
            var q = online.Forward(data.Obs, acts, tape);
            TdLoss.Run(variant, TdLossKind.Huber, q, qNext, qNextOnline, data.Actions, data.Returns, data.Discounts,
                td, scalars.Slice(0, 1), acts.OutputGrad, scalars.Slice(1, 1));
            tape.Backward();
            var rawGrads = online.Gradients.ToArray();
            GradNorm.Clip(online.Gradients, cfg.MaxGradNorm, scratch);
            reference.Step();

            var got = learner.Online.Parameters.ToArray();
            var want = online.Parameters.ToArray();
            double err = Reference.MaxRelError(got, Reference.ToDouble(want));
            Assert.True(err < 1e-5, $"seed {seed}, step {step}: parameters differ by {err:E2}");
            // The update writes this step's gradients over the last ones (nothing left from earlier steps) and clips in the optimizer.
            double gradErr = Reference.MaxRelError(learner.Online.Gradients.ToArray(), Reference.ToDouble(rawGrads));
            Assert.True(gradErr < 1e-5, $"seed {seed}, step {step}: gradients differ by {gradErr:E2}");
        }
        Assert.False(learner.Online.Parameters.ToArray().SequenceEqual(net.InitialParameters(seed)), "the update changed nothing");
    }

    /// <summary>
    /// On the host the forwards run as two tasks, one per core, and the ops split over the cores
    /// otherwise: the updates must be the same, bit for bit, with one core (an update run inside a
    /// region of <see cref="HostParallel"/> runs everything on its thread). MinAtar at batch 32 makes
    /// fc1's products and Adam big enough to split.
    /// </summary>
    [Theory]
    [InlineData(Algo.Ddqn)]
    [InlineData(Algo.Tdqn)]
    [InlineData(Algo.Vdqn)]
    public void Host_update_does_not_depend_on_the_core_count(Algo algo)
    {
        var device = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed(), batch = 32;
        var cfg = new TrainConfig { Algo = algo, BatchSize = batch, BufferSize = batch, LearningRate = 1e-3f, MaxGradNorm = 10f, Seed = seed };
        var rng = new Random(seed);
        int obs = 4 * 10 * 10;
        var data = new DqnBatch(
            device.FromArray(Reference.Uniform(rng, batch * obs), batch, obs),
            device.FromArray(Reference.Uniform(rng, batch * obs), batch, obs),
            device.FromArray(Enumerable.Range(0, batch).Select(_ => rng.Next(6)).ToArray(), batch),
            device.FromArray(Reference.Uniform(rng, batch), batch),
            device.FromArray(Enumerable.Range(0, batch).Select(i => i % 7 == 0 ? 0f : 0.99f).ToArray(), batch));
        var cores = new DqnLearner(cfg, Networks.MinAtar(4, 6), device);
        var oneCore = new DqnLearner(cfg, Networks.MinAtar(4, 6), device);
        for (int step = 0; step < 3; step++)
        {
            cores.Update(data);
            HostParallel.Invoke(() => oneCore.Update(data), () => { });
            Assert.Equal(oneCore.Online.Parameters.ToArray(), cores.Online.Parameters.ToArray());
            Assert.Equal(oneCore.Scalars.ToArray(), cores.Scalars.ToArray());
        }
    }

    [Fact]
    public void A_learner_checks_its_config_and_its_batch()
    {
        var device = TestDevices.Get("cpu");
        // Without the check, tau 0 would leave the target network as it was, forever.
        var e = Assert.Throws<ArgumentException>(() => new DqnLearner(new TrainConfig { Tau = 0f }, Networks.Mlp(4, 2, 8), device));
        Assert.Contains("tau must be in (0, 1], got 0", e.Message);
        Assert.Throws<ArgumentException>(() => new DqnLearner(new TrainConfig { Optimizer = (OptimizerKind)7 }, Networks.Mlp(4, 2, 8), device));
        var learner = new DqnLearner(new TrainConfig { BatchSize = 8, BufferSize = 8 }, Networks.Mlp(4, 2, 8), device);
        var rng = new Random(1);
        var half = new DqnBatch(device.FromArray(Reference.Uniform(rng, 16), 4, 4), device.FromArray(Reference.Uniform(rng, 16), 4, 4),
            device.FromArray(new[] { 0, 1, 0, 1 }, 4), device.FromArray(Reference.Uniform(rng, 4), 4), device.FromArray(new[] { 1f, 1f, 1f, 1f }, 4));
        var b = Assert.Throws<ArgumentException>(() => learner.Update(half));
        Assert.Contains("the batch holds 4 samples, the learner was made for batch_size 8", b.Message);
    }
}
