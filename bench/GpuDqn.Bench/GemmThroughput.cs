using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Bench;

/// <summary>
/// The GEMM shapes of the DQN updates and of acting at batch 1, stopwatch-timed, in the format of
/// bench/anchors/torch_gpu_anchor.py's <c>gemm</c> mode so the two run side by side on a GPU
/// machine (BenchmarkDotNet's <see cref="GemmBench"/> takes minutes a short lease does not have).
/// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- gemm [device]</c>.
/// </summary>
public static class GemmThroughput
{
    /// <summary>name, m, n, k, A transposed, B transposed. Dense forward y = x·Wᵀ: m = batch, k = in, n = out.</summary>
    private static readonly (string Name, int M, int N, int K, bool TransA, bool TransB)[] Shapes =
    [
        ("nature fc1 fwd b32", 32, 512, 3136, false, true),
        ("nature fc1 dW b32", 512, 3136, 32, true, false),
        ("nature fc1 dx b32", 32, 3136, 512, false, false),
        ("nature fc2 fwd b32", 32, 6, 512, false, true),
        ("nature fc1 fwd b1", 1, 512, 3136, false, true),
        ("minatar fc1 fwd b32", 32, 128, 1024, false, true),
        ("minatar fc1 fwd b64", 64, 128, 1024, false, true),
        ("minatar fc1 dW b32", 128, 1024, 32, true, false),
        ("minatar fc1 dx b32", 32, 1024, 128, false, false),
        ("minatar fc1 fwd b1", 1, 128, 1024, false, true),
        ("square 1024", 1024, 1024, 1024, false, false),
    ];

    public static void Run(string deviceId)
    {
        using var device = Device.Create(deviceId);
        Console.WriteLine($"gpudqn gemm on {device.Id}: {device.Name}");
        var rng = new Random(0);
        foreach (var (name, m, n, k, ta, tb) in Shapes)
        {
            var a = device.FromArray(SelfTest.Reference.Uniform(rng, (long)m * k), ta ? [k, m] : [m, k]);
            var b = device.FromArray(SelfTest.Reference.Uniform(rng, (long)k * n), tb ? [n, k] : [k, n]);
            var c = device.Zeros<float>(m, n);
            var ms = Timing.Sorted(device, () => Gemm.Run(a, ta, b, tb, c), 200, warmSeconds: 0.5);
            double med = Timing.Median(ms);
            Console.WriteLine($"{name} ({m}x{n}x{k}): {med * 1e3:F1} us (min {ms[0] * 1e3:F1}), {2.0 * m * n * k / (med * 1e-3) / 1e9:F1} GFLOP/s");
        }
    }
}
