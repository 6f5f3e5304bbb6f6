using System.Diagnostics;
using GpuDqn.Engine;
using GpuDqn.Kernels;
using GpuDqn.Nn;
using GpuDqn.Training;

namespace GpuDqn.Bench;

/// <summary>
/// The same DQN update workloads as ../shared/anchors/torch_dqn_anchor.py, printed in its
/// format so the two can be run side by side: median ms per update over at least 2 s (targets, Huber loss,
/// backward, clip to norm 10, Adam) and the latency of one greedy action at batch 1.
/// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- updates [device] [name filter]</c>
/// (a filter such as <c>minatar</c> runs only the workloads whose name contains it).
/// </summary>
public static class UpdateThroughput
{
    /// <summary>
    /// Each workload's median is taken over at least this long. The anchor's loops run ~1.5–4 s on
    /// the 2-core machine (300 MinAtar updates at ~5 ms), whose speed changes in windows of 1–5 s
    /// (bench/RESULTS.md); 300 of our updates took 0.2 s, a sample of one window, so which window each
    /// side of a pair landed in decided the ratio. Over the same span both medians see the same mix.
    /// </summary>
    private const double MeasureSeconds = 2.0;

    public static void Run(string deviceId, string filter = "")
    {
        using var device = Device.Create(deviceId);
        Console.WriteLine($"gpudqn on {device.Id}: {device.Name}");
        (string Name, Func<Sequential> Net, int Batch, Algo Algo, int Reps)[] workloads =
        [
            ("cartpole-mlp(4-120-84-2) b128 dqn", () => Networks.Mlp(4, 2, 120, 84), 128, Algo.Tdqn, 500),
            ("minatar(4x10x10,conv16,fc128,6) b32 ddqn", () => Networks.MinAtar(4, 6), 32, Algo.Ddqn, 300),
            ("nature-cnn(4x84x84,6) b32 ddqn", () => Networks.Nature(6), 32, Algo.Ddqn, 40),
        ];
        foreach (var w in workloads.Where(w => w.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
            Bench(device, w.Name, w.Net(), w.Batch, w.Algo, w.Reps);
    }

    private static void Bench(Device device, string name, Sequential net, int batchSize, Algo algo, int reps)
    {
        var cfg = new TrainConfig { Algo = algo, BatchSize = batchSize, BufferSize = batchSize, LearningRate = 1e-4f, MaxGradNorm = 10f, Loss = LossKind.Huber, Seed = 0 };
        var learner = new DqnLearner(cfg, net, device);
        int obsDim = (int)Shape.Count(net.InputShape);
        int actions = net.OutputShape[0];
        var rng = new Random(0);
        var replayBatch = new ReplayBatch(device, batchSize, obsDim);
        var batch = new DqnBatch(replayBatch.Obs, replayBatch.NextObs, replayBatch.Actions, replayBatch.Returns, replayBatch.Discounts);
        batch.Obs.Upload(SelfTest.Reference.Uniform(rng, (long)batchSize * obsDim).Select(v => (v + 1) / 2).ToArray());
        batch.NextObs.Upload(SelfTest.Reference.Uniform(rng, (long)batchSize * obsDim).Select(v => (v + 1) / 2).ToArray());
        batch.Actions.Upload(Enumerable.Range(0, batchSize).Select(_ => rng.Next(actions)).ToArray());
        batch.Returns.Upload(Enumerable.Range(0, batchSize).Select(_ => (float)rng.NextDouble()).ToArray());
        batch.Discounts.Upload(Enumerable.Range(0, batchSize).Select(_ => rng.NextDouble() < 0.1 ? 0f : 0.99f).ToArray());
        var times = Timing.Sorted(device, () => learner.Update(batch), reps, warmSeconds: 3, minSeconds: MeasureSeconds);
        var one = device.FromArray(SelfTest.Reference.Uniform(rng, obsDim), [1, .. net.InputShape]);
        var acts = learner.Online.CreateActivations(1, withGrads: false);
        var action = device.Zeros<int>(1);
        var actTimes = new double[reps];
        var host = new int[1];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            EpsilonGreedy.Select(learner.Online.Forward(one, acts), 0f, 0, (ulong)i, action);
            action.Download(host);
            actTimes[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(actTimes);
        double m = Timing.Median(times);
        Console.WriteLine($"{name}: update {m:F3} ms ({1e3 / m:F0} updates/s), act {Timing.Median(actTimes) * 1e3:F0} us");
    }
}
