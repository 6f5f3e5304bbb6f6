using System.Diagnostics;

namespace GpuDqn.Bench;

/// <summary>
/// MinAtar environment throughput without BenchmarkDotNet's minutes of pilot runs: the same
/// operation as <see cref="MinAtarEnvBench"/> (32 batched steps, random actions, observations
/// written to device memory), timed with a stopwatch for about <c>seconds</c> per case after a
/// warm-up of the same length, at most a second. For a GPU machine lent for a few minutes, where BenchmarkDotNet's 15 cases would not fit.
/// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- envs [device] [seconds]</c>.
/// </summary>
public static class EnvThroughput
{
    public static void Run(string deviceId, double seconds)
    {
        Console.WriteLine($"# MinAtar env steps/s on {deviceId} ({MinAtarEnvBench.StepsPerOp} steps per op, ~{seconds:F1} s per case)");
        foreach (var game in new[] { "minatar-breakout", "minatar-freeway", "minatar-asterix", "minatar-space_invaders", "minatar-seaquest" })
        {
            var row = new List<string>();
            foreach (int envs in new[] { 1, 64, 4096 })
            {
                var bench = new MinAtarEnvBench { Game = game, Envs = envs, DeviceId = deviceId };
                bench.Setup();
                try
                {
                    long t0 = Stopwatch.GetTimestamp();
                    while (Stopwatch.GetElapsedTime(t0).TotalSeconds < Math.Min(1.0, seconds)) bench.Step();
                    int ops = 0;
                    t0 = Stopwatch.GetTimestamp();
                    while (Stopwatch.GetElapsedTime(t0).TotalSeconds < seconds) { bench.Step(); ops++; }
                    double sps = (double)ops * MinAtarEnvBench.StepsPerOp * envs / Stopwatch.GetElapsedTime(t0).TotalSeconds;
                    row.Add($"{envs} envs {sps:N0}");
                }
                finally { bench.Cleanup(); }
            }
            Console.WriteLine($"{game}: {string.Join(", ", row)} steps/s");
        }
    }
}
