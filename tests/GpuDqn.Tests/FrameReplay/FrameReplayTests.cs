using GpuDqn.Engine;
using GpuDqn.Kernels.Atari;
using GpuDqn.Kernels.FrameReplay;
using GpuDqn.Tests.Atari;
using Xunit;

namespace GpuDqn.Tests.FrameReplay;

public class FrameReplayTests
{
    private static FrameReplayScenario Filled(Device device, int seed, int envs, int capacity, int added, int h = 3, int w = 4)
    {
        var s = new FrameReplayScenario(device, seed, envs, capacity, h, w);
        for (int i = 0; i < added; i++) s.AddRandomStep();
        return s;
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Matches_a_naive_stacked_buffer_across_episodes_and_wrap_around(string device)
    {
        int seed = TestDevices.NewSeed();
        var s = Filled(TestDevices.Get(device), seed, envs: 3, capacity: 11, added: 47);
        var batch = new FrameReplayBatch(s.Replay.Device, 96, 4, 3, 4);
        foreach (int n in new[] { 1, 3, 4 })
            for (ulong step = 0; step < 4; step++)
            {
                s.Replay.Sample(batch, n, 0.97f, 5, step);
                double err = s.Compare(batch, n, 0.97f);
                Assert.True(err < 1e-6, $"seed {seed}, n {n}, step {step}: error {err}");
            }
    }

    /// <summary>On cpu the frames live in chunks of whole frames (1 GiB each, so the store can outgrow one
    /// .NET array); here chunks of 5 frames, a partial last one included, against the naive buffer.</summary>
    [Fact]
    public void Host_frames_split_over_many_chunks_match_a_naive_stacked_buffer()
    {
        var layout = new HostFrames(33, 12);
        Assert.Equal(1, layout.ChunkCount);
        long keep = HostFrames.ChunkBytes;
        HostFrames.ChunkBytes = 5 * 12;
        try
        {
            var small = new HostFrames(33, 12);
            Assert.Equal((5, 7), (small.FramesPerChunk, small.ChunkCount));
            small.Frame(32).Fill(7);
            Assert.Equal(12, small.Frame(32).Length);
            int seed = TestDevices.NewSeed();
            var s = Filled(TestDevices.Get("cpu"), seed, envs: 3, capacity: 11, added: 47);
            var batch = new FrameReplayBatch(s.Replay.Device, 96, 4, 3, 4);
            foreach (int n in new[] { 1, 3 })
                for (ulong step = 0; step < 3; step++)
                {
                    s.Replay.Sample(batch, n, 0.97f, 5, step);
                    double err = s.Compare(batch, n, 0.97f);
                    Assert.True(err < 1e-6, $"seed {seed}, n {n}, step {step}: error {err}");
                }
        }
        finally
        {
            HostFrames.ChunkBytes = keep;
        }
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Sampling_is_deterministic_uniform_and_only_over_valid_entries(string device)
    {
        int seed = TestDevices.NewSeed();
        const int n = 2;
        var s = Filled(TestDevices.Get(device), seed, envs: 2, capacity: 10, added: 23);
        var batch = new FrameReplayBatch(s.Replay.Device, 256, 4, 3, 4);
        int[] Draw(ulong step)
        {
            s.Replay.Sample(batch, n, 0.9f, 99, step);
            return batch.Indices.ToArray();
        }
        Assert.Equal(Draw(3), Draw(3));
        Assert.NotEqual(Draw(3), Draw(4));

        var (first, last) = s.Replay.ValidRange(n);
        var valid = new HashSet<(int, long)>();
        for (int e = 0; e < 2; e++)
            for (long t = first; t <= last; t++)
                if (s.Naive.IsValid(e, t, n)) valid.Add((e, t));
        Assert.True(valid.Count >= 3, $"seed {seed}: only {valid.Count} valid entries");
        var counts = new Dictionary<(int, long), int>();
        for (ulong step = 0; step < 8; step++)
            foreach (int idx in Draw(step))
            {
                var key = s.Naive.Locate(idx);
                Assert.Contains(key, valid);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        // 2,048 draws over at most 24 entries: every valid entry appears, none far from the mean.
        Assert.Equal(valid.Count, counts.Count);
        double mean = 2048.0 / valid.Count;
        Assert.All(counts.Values, c => Assert.InRange(c, mean * 0.5, mean * 1.6));
    }

    [Fact]
    public void Host_and_ilgpu_cpu_sample_the_same_batch()
    {
        int seed = TestDevices.NewSeed();
        var a = Filled(TestDevices.Get("cpu"), seed, 3, 12, 30);
        var b = Filled(TestDevices.Get("ilgpu-cpu"), seed, 3, 12, 30);
        var ba = new FrameReplayBatch(a.Replay.Device, 50, 4, 3, 4);
        var bb = new FrameReplayBatch(b.Replay.Device, 50, 4, 3, 4);
        a.Replay.Sample(ba, 3, 0.99f, 17, 8);
        b.Replay.Sample(bb, 3, 0.99f, 17, 8);
        Assert.Equal(ba.Indices.ToArray(), bb.Indices.ToArray());
        Assert.Equal(ba.Steps.ToArray(), bb.Steps.ToArray());
        Assert.Equal(ba.Actions.ToArray(), bb.Actions.ToArray());
        Assert.Equal(ba.Observations.ToArray(), bb.Observations.ToArray());
        Assert.Equal(ba.NextObservations.ToArray(), bb.NextObservations.ToArray());
    }

    [Fact]
    public void Memory_plan_states_the_bytes_and_refuses_what_does_not_fit()
    {
        var atari = MemoryPlan.ForFrameReplay(envs: 1, capacityPerEnv: 1_000_000);
        Assert.Equal(7_056_000_000L, atari.FrameBytes);
        Assert.Equal(9_000_000L, atari.MetadataBytes);
        Assert.Equal(7_065_000_000L, atari.TotalBytes);
        Assert.Equal(MemoryPlan.ForFrameReplay(8, 125_000).TotalBytes, atari.TotalBytes);
        var cpu = TestDevices.Get("cpu");
        MemoryPlan.Check(cpu, 1024);
        var e = Assert.Throws<InsufficientMemoryException>(() => MemoryPlan.Check(cpu, cpu.MemoryBytes + 1, "a test request"));
        Assert.Contains("a test request", e.Message);
        Assert.Contains($"{cpu.MemoryBytes + 1:N0}", e.Message);
        Assert.Contains($"{cpu.MemoryBytes:N0}", e.Message);
        var tooBig = MemoryPlan.ForFrameReplay(64, 50_000_000);
        Assert.Throws<InsufficientMemoryException>(() => tooBig.Check(cpu));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        var cpu = TestDevices.Get("cpu");
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameReplayBuffer(cpu, 2, 4));  // capacity < depth + 1
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameReplayBuffer(cpu, 0, 100));
        var replay = new FrameReplayBuffer(cpu, 2, 8, 3, 4);
        var batch = new FrameReplayBatch(cpu, 4, 4, 3, 4);
        Assert.Contains("not enough entries", Assert.Throws<InvalidOperationException>(() => replay.Sample(batch, 1, 0.9f, 0, 0)).Message);
        Assert.Contains("frames has shape", Assert.Throws<ArgumentException>(() =>
            replay.Add(cpu.Zeros<byte>(2, 3, 3), cpu.Zeros<byte>(2), [0, 0], [0f, 0f], [false, false], [false, false])).Message);
        Assert.Throws<ArgumentException>(() => replay.Sample(new FrameReplayBatch(cpu, 4, 4, 84, 84), 1, 0.9f, 0, 0));
    }

    /// <summary>The pipeline's PreviousFrame / PreviousEpisodeStart and step results feed the replay; its stacks equal the pipeline's observations.</summary>
    [Theory, ClassData(typeof(PresentDevices))]
    public void Pipeline_and_replay_rebuild_the_pipeline_observations(string device)
    {
        var dev = TestDevices.Get(device);
        var envs = Enumerable.Range(0, 2).Select(e => new ScriptedAtari([0, 3, 4], g => 9 + 6 * e + g)).ToArray();
        var options = AtariOptions.Evaluation with { NoopMax = 2, FireReset = false, FrameSize = 12, MaxEpisodeSteps = 4 };
        using var pipe = new AtariPipeline(dev, new VecAtariEnvironment(envs), options);
        using var replay = new FrameReplayBuffer(dev, 2, 64, 12, 12);
        pipe.Reset();
        var observations = new List<byte[]>();  // the observation each action was taken in
        for (int i = 0; i < 12; i++)
        {
            observations.Add(pipe.Observation.ToArray());
            int[] actions = [i % 3, (i + 1) % 3];
            pipe.Step(actions);
            replay.Add(pipe.PreviousFrame, pipe.PreviousEpisodeStart, actions, pipe.Rewards, pipe.Terminated, pipe.Truncated);
        }
        var batch = new FrameReplayBatch(dev, 40, 4, 12, 12);
        replay.Sample(batch, 1, 0.9f, 1, 0);
        var obs = batch.Observations.ToArray();
        var idx = batch.Indices.ToArray();
        int stack = 4 * 144, zeroSlots = 0;
        for (int b = 0; b < batch.Size; b++)
        {
            int env = idx[b] / 64, t = idx[b] % 64;
            for (int p = 0; p < stack; p++)
                Assert.Equal(observations[t][env * stack + p] / 255f, obs[b * stack + p]);
            zeroSlots += obs.AsSpan(b * stack, 144).IndexOfAnyExcept(0f) < 0 ? 1 : 0;
        }
        Assert.True(zeroSlots > 0, "no sampled stack began near an episode start");
    }
}
