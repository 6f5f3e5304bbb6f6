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
        foreach (var w in Matching(filter)) Bench(device, w.Name, w.Net(), w.Batch, w.Algo, w.Reps);
    }

    private static readonly (string Name, Func<Sequential> Net, int Batch, Algo Algo, int Reps)[] Workloads =
    [
        ("cartpole-mlp(4-120-84-2) b128 dqn", () => Networks.Mlp(4, 2, 120, 84), 128, Algo.Tdqn, 500),
        ("minatar(4x10x10,conv16,fc128,6) b32 ddqn", () => Networks.MinAtar(4, 6), 32, Algo.Ddqn, 300),
        ("nature-cnn(4x84x84,6) b32 ddqn", () => Networks.Nature(6), 32, Algo.Ddqn, 40),
    ];

    private static IEnumerable<(string Name, Func<Sequential> Net, int Batch, Algo Algo, int Reps)> Matching(string filter) =>
        Workloads.Where(w => w.Name.Contains(filter, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// For bench/anchors/interleaved.py: builds the matching workloads, warms each up, prints "ready",
    /// then answers each stdin line "&lt;workload index&gt; &lt;n&gt;" with the ms of n updates on one line, so a
    /// driver can alternate short blocks of ours and PyTorch's and compare them inside one window.
    /// </summary>
    public static void Serve(string deviceId, string filter = "")
    {
        using var device = Device.Create(deviceId);
        var updates = Matching(filter).Select(w =>
        {
            var (learner, batch) = Prepare(device, w.Net(), w.Batch, w.Algo);
            Action update = () => learner.Update(batch);
            Timing.Sorted(device, update, w.Reps, warmSeconds: 3);
            return update;
        }).ToArray();
        Console.WriteLine($"ready {device.Id}: {device.Name}");
        var ms = new List<double>();
        for (string? line; (line = Console.ReadLine()) is not null;)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !int.TryParse(parts[0], out int w) || w < 0 || w >= updates.Length || !int.TryParse(parts[1], out int n) || n < 1)
                throw new ArgumentException($"serve: expected \"<workload 0..{updates.Length - 1}> <updates >= 1>\", got \"{line}\"");
            ms.Clear();
            for (int i = 0; i < n; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                updates[w]();
                device.Synchronize();
                ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            Console.WriteLine(string.Join(' ', ms.Select(t => t.ToString("F4", System.Globalization.CultureInfo.InvariantCulture))));
        }
    }

    /// <summary>The host paths a switch turns off, for <see cref="Alternate"/>.</summary>
    private static readonly Dictionary<string, Action<bool>> Switches = new()
    {
        ["conv-rows"] = off => Conv2dHostRows.Disabled = off,
        ["conv-panels"] = off => Conv2dHostDirect.PanelsDisabled = off,
        ["conv-dx-direct"] = off => Conv2dHostInputGrad.Disabled = off,
        ["gemm-packed"] = off => GemmHost.ForcePacked = off,   // off: A packed even where it could be read in place
    };

    /// <summary>
    /// A change's effect on the update, measured the only way this machine allows: blocks of updates
    /// with a host path on and off taking turns in one process (about 0.2 s each, <paramref name="rounds"/>
    /// of each), medians of each side. Runs apart, minutes apart, differ by up to 1.5× on their own.
    /// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- alternate &lt;switch&gt; [filter] [rounds]</c>.
    /// </summary>
    public static void Alternate(string switchName, string filter, int rounds)
    {
        if (!Switches.TryGetValue(switchName, out var set))
            throw new ArgumentException($"alternate: unknown switch \"{switchName}\"; known: {string.Join(", ", Switches.Keys)}");
        using var device = Device.Create("cpu");
        foreach (var w in Matching(filter))
        {
            var (learner, batch) = Prepare(device, w.Net(), w.Batch, w.Algo);
            var times = Timing.Sorted(device, () => learner.Update(batch), w.Reps, warmSeconds: 2);
            int block = Math.Max(1, (int)(200 / Timing.Median(times)));   // ~0.2 s
            var on = new List<double>();
            var off = new List<double>();
            try
            {
                for (int r = 0; r < rounds; r++)
                    foreach (bool disabled in new[] { false, true })
                    {
                        set(disabled);
                        for (int i = 0; i < block; i++)
                        {
                            long t0 = Stopwatch.GetTimestamp();
                            learner.Update(batch);
                            (disabled ? off : on).Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                        }
                    }
            }
            finally
            {
                set(false);
            }
            on.Sort();
            off.Sort();
            double mOn = Timing.Median([.. on]), mOff = Timing.Median([.. off]);
            Console.WriteLine($"{w.Name}: {switchName} on {mOn:F3} ms, off {mOff:F3} ms, on/off {mOn / mOff:F3} ({rounds} rounds of {block} updates each)");
        }
    }

    private static void Bench(Device device, string name, Sequential net, int batchSize, Algo algo, int reps)
    {
        var (learner, batch) = Prepare(device, net, batchSize, algo);
        var times = Timing.Sorted(device, () => learner.Update(batch), reps, warmSeconds: 3, minSeconds: MeasureSeconds);
        var rng = new Random(1);
        int obsDim = (int)Shape.Count(net.InputShape);
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

    /// <summary>A learner with the anchor's settings and one fixed random batch (states uniform in [0, 1]).</summary>
    private static (DqnLearner Learner, DqnBatch Batch) Prepare(Device device, Sequential net, int batchSize, Algo algo)
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
        return (learner, batch);
    }
}
