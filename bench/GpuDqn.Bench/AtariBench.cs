using BenchmarkDotNet.Attributes;
using GpuDqn.Engine;
using GpuDqn.Kernels.Atari;
using GpuDqn.Kernels.FrameReplay;

namespace GpuDqn.Bench;

/// <summary>
/// Atari preprocessing and frame-once replay on one device (host by default):
/// the per-step device work of AtariPipeline for N environments (max-of-pair + warp + stack push),
/// and sampling a batch of 32 from a frame-once replay of 84x84 frames.
/// `dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*AtariBench*'`
/// </summary>
public class AtariBench
{
    [Params("cpu")]
    public string DeviceId { get; set; } = "cpu";

    [Params(8)]
    public int Envs { get; set; }

    private Device device = null!;
    private Tensor<byte> pairs = null!, frames = null!, stacks = null!, starts = null!;
    private FrameReplayBuffer replay = null!;
    private FrameReplayBatch batch = null!;
    private ulong step;

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Create(DeviceId);
        var rng = new Random(1);
        var raw = new byte[Envs * 2 * AtariFrame.Bytes];
        rng.NextBytes(raw);
        pairs = device.FromArray(raw, Envs, 2, AtariFrame.Height, AtariFrame.Width, AtariFrame.Channels);
        frames = device.Zeros<byte>(Envs, 84, 84);
        stacks = device.Zeros<byte>(Envs, 4, 84, 84);
        starts = device.Zeros<byte>(Envs);
        replay = new FrameReplayBuffer(device, Envs, 4096);
        var f = new byte[Envs * 84 * 84];
        var acts = new int[Envs];
        var rews = new float[Envs];
        var term = new bool[Envs];
        var trunc = new bool[Envs];
        for (int t = 0; t < 4096 + 100; t++)
        {
            rng.NextBytes(f);
            for (int e = 0; e < Envs; e++)
            {
                acts[e] = rng.Next(6);
                rews[e] = rng.Next(3) - 1;
                term[e] = rng.NextDouble() < 0.01;
            }
            replay.Add(device.FromArray(f, Envs, 84, 84), starts, acts, rews, term, trunc);
        }
        batch = new FrameReplayBatch(device, 32);
    }

    [Benchmark(Description = "pipeline device step: max-of-pair warp + stack push")]
    public void PipelineDeviceStep()
    {
        WarpFrame.RunMaxOfPair(pairs, frames);
        FrameStack.Push(stacks, frames, starts);
        device.Synchronize();
    }

    [Benchmark(Description = "frame replay: sample 32, n=3")]
    public void ReplaySample()
    {
        replay.Sample(batch, 3, 0.99f, 7, step++);
        device.Synchronize();
    }
}
