using BenchmarkDotNet.Attributes;
using GpuDqn.Engine;
using GpuDqn.Kernels.MinAtar;

namespace GpuDqn.Bench;

/// <summary>
/// MinAtar environment throughput: one benchmark op is <see cref="StepsPerOp"/> batched steps
/// of <see cref="Envs"/> environments with random actions (precomputed on the device), writing
/// reward, terminated, obs and next_obs to device memory. Steps per second = Envs × StepsPerOp / op time.
/// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*MinAtarEnv*'</c>
/// (device from GPUDQN_BENCH_DEVICE, default cpu).
/// </summary>
[MemoryDiagnoser]
public class MinAtarEnvBench
{
    public const int StepsPerOp = 32;

    [Params("minatar-breakout", "minatar-freeway", "minatar-asterix", "minatar-space_invaders", "minatar-seaquest")]
    public string Game { get; set; } = "minatar-breakout";

    [Params(1, 64, 4096)]
    public int Envs { get; set; }

    private Device device = null!;
    private MinAtarVec env = null!;
    private Tensor<int>[] actions = null!;
    private Tensor<float> reward = null!, obs = null!, next = null!;
    private Tensor<byte> terminated = null!;

    /// <summary>The device id; BenchmarkDotNet runs take it from GPUDQN_BENCH_DEVICE.</summary>
    public string DeviceId { get; set; } = Environment.GetEnvironmentVariable("GPUDQN_BENCH_DEVICE") ?? "cpu";

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Create(DeviceId);
        env = MinAtarVec.Create(Game, device, Envs);
        var rng = new Random(1);
        actions = new Tensor<int>[StepsPerOp];
        for (int i = 0; i < StepsPerOp; i++)
            actions[i] = device.FromArray(Enumerable.Range(0, Envs).Select(_ => rng.Next(env.NumActions)).ToArray(), Envs);
        reward = device.Zeros<float>(Envs);
        terminated = device.Zeros<byte>(Envs);
        obs = device.Zeros<float>(env.ObservationShape);
        next = device.Zeros<float>(env.ObservationShape);
        env.Reset(1, obs);
    }

    [Benchmark(OperationsPerInvoke = StepsPerOp)]
    public void Step()
    {
        for (int i = 0; i < StepsPerOp; i++)
            env.Step(actions[i], reward, terminated, obs, next);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        env.Dispose();
        device.Dispose();
    }
}
