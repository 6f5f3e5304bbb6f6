using BenchmarkDotNet.Attributes;
using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Bench;

/// <summary>
/// The per-iteration RL ops of the trainer at CartPole sizes: a vector-env step, epsilon-greedy,
/// a replay Add + Sample (n = 3) and the fused TD loss. Device is cpu or ilgpu-cpu.
/// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*RlBench*' --inProcess --job short</c>
/// </summary>
public class RlBench
{
    [Params("cpu", "ilgpu-cpu")]
    public string Device { get; set; } = "cpu";

    [Params(16, 1024)]
    public int Envs { get; set; }

    private const int Batch = 128;
    private Device dev = null!;
    private CartPoleVec env = null!;
    private Tensor<int> actions = null!;
    private Tensor<float> q = null!;
    private ReplayBuffer replay = null!;
    private ReplayBatch batch = null!;
    private Tensor<float> qb = null!, qn = null!, td = null!, loss = null!, dq = null!, mq = null!;
    private ulong step;

    [GlobalSetup]
    public void Setup()
    {
        dev = GpuDqn.Engine.Device.Create(Device);
        env = new CartPoleVec(dev, Envs);
        env.Reset(1);
        actions = dev.Zeros<int>(Envs);
        q = dev.FromArray(SelfTest.Reference.Uniform(new Random(1), Envs * 2), Envs, 2);
        replay = new ReplayBuffer(dev, Envs * 256, 4, Envs);
        for (int i = 0; i < 256; i++)
        {
            EpsilonGreedy.Select(q, 1f, 1, (ulong)i, actions);
            var obs = dev.Zeros<float>(Envs, 4);
            env.Obs.CopyTo(obs);
            env.Step(actions);
            replay.Add(obs, actions, env.Rewards, env.Terminated, env.Truncated, env.NextObs);
        }
        batch = new ReplayBatch(dev, Batch, 4);
        var rng = new Random(2);
        qb = dev.FromArray(SelfTest.Reference.Uniform(rng, Batch * 2), Batch, 2);
        qn = dev.FromArray(SelfTest.Reference.Uniform(rng, Batch * 2), Batch, 2);
        td = dev.Zeros<float>(Batch);
        loss = dev.Zeros<float>(1);
        dq = dev.Zeros<float>(Batch, 2);
        mq = dev.Zeros<float>(1);
        replay.Sample(batch, 1, 0, 3, 0.99f);
        dev.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => dev.Dispose();

    [Benchmark]
    public void CartPoleStep()
    {
        env.Step(actions);
        dev.Synchronize();
    }

    [Benchmark]
    public void EpsilonGreedySelect()
    {
        EpsilonGreedy.Select(q, 0.1f, 1, step++, actions);
        dev.Synchronize();
    }

    [Benchmark]
    public void ReplayAdd()
    {
        replay.Add(env.Obs, actions, env.Rewards, env.Terminated, env.Truncated, env.NextObs);
        dev.Synchronize();
    }

    [Benchmark]
    public void ReplaySample128()
    {
        replay.Sample(batch, 1, step++, 3, 0.99f);
        dev.Synchronize();
    }

    [Benchmark]
    public void TdLossDouble128()
    {
        TdLoss.Run(TdVariant.Double, TdLossKind.Huber, qb, qn, qb, batch.Actions, batch.Returns, batch.Discounts, td, loss, dq, mq);
        dev.Synchronize();
    }
}
