using BenchmarkDotNet.Attributes;
using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Bench;

/// <summary>
/// GEMM on each device at a square size and at the DQN layer shapes (batch×in→out is the dense
/// forward y = x·Wᵀ + b: m = batch, k = in, n = out, B transposed, bias and ReLU fused).
/// ILGPU's CPU accelerator runs only the small shapes (it manages ~0.5 GFLOP/s); a CUDA device
/// runs every shape when one is present. GFLOP/s = 2·m·n·k / mean time.
/// <c>dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*GemmBench*'</c>
/// (in-process: BenchmarkDotNet's out-of-process build times out when the 2 cores are busy).
/// </summary>
[InProcess, WarmupCount(3), IterationCount(15)]
public class GemmBench
{
    public sealed record Case(string Device, string Name, int M, int N, int K, bool TransA, bool TransB, bool Epilogue)
    {
        public double Flops => 2.0 * M * N * K;
        public override string ToString() => $"{Device} {Name}";
    }

    private static readonly Case[] Shapes =
    [
        new("", "1024^3", 1024, 1024, 1024, false, false, false),     // NN
        new("", "256^3", 256, 256, 256, false, false, false),         // NN
        new("", "fc1", 32, 512, 3136, false, true, true),             // Nature CNN fc1 forward, batch 32: 32x3136 -> 512
        new("", "cp1", 128, 120, 4, false, true, true),               // CartPole MLP layer 1 forward, batch 128: 128x4 -> 120
        new("", "fc2", 32, 6, 512, false, true, false),               // Nature CNN Q head forward, batch 32: 32x512 -> 6
        new("", "fc1.dW", 512, 3136, 32, true, false, false),         // fc1 weight gradient dyᵀ·x: (32x512)ᵀ · 32x3136
    ];

    public static IEnumerable<Case> Cases()
    {
        foreach (var s in Shapes) yield return s with { Device = "cpu" };
        foreach (var s in Shapes.Where(s => s.Flops < 1e6)) yield return s with { Device = "ilgpu-cpu" };
        bool cuda;
        try { cuda = Device.List().Any(d => d.Kind == DeviceKind.Cuda); }
        catch (Exception) { cuda = false; }
        if (cuda)
            foreach (var s in Shapes) yield return s with { Device = "cuda" };
    }

    [ParamsSource(nameof(Cases))]
    public Case C { get; set; } = null!;

    private Device device = null!;
    private Tensor<float> a = null!, b = null!, c = null!, bias = null!;

    [GlobalSetup]
    public void Setup()
    {
        device = Device.Create(C.Device);
        var rng = new Random(1);
        float[] Rand(int n) { var x = new float[n]; for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() - 0.5); return x; }
        a = device.FromArray(Rand(C.M * C.K), C.TransA ? [C.K, C.M] : [C.M, C.K]);
        b = device.FromArray(Rand(C.K * C.N), C.TransB ? [C.N, C.K] : [C.K, C.N]);
        c = device.Zeros<float>(C.M, C.N);
        bias = device.FromArray(Rand(C.N), C.N);
        Run();   // compile the kernels outside the measurement
        device.Synchronize();
    }

    [Benchmark]
    public void Run()
    {
        Gemm.Run(a, C.TransA, b, C.TransB, c, bias: C.Epilogue ? bias : null, relu: C.Epilogue);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup() => device.Dispose();
}
