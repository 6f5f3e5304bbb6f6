using System.Diagnostics;
using GpuDqn.Engine;

namespace GpuDqn.Bench;

/// <summary>Stopwatch timing for the side-by-side modes (updates, conv).</summary>
internal static class Timing
{
    /// <summary>
    /// Milliseconds of runs of <paramref name="op"/> (each synchronised), sorted: at least
    /// <paramref name="reps"/> runs and at least <paramref name="minSeconds"/> seconds of them.
    /// It first runs at least <paramref name="reps"/> times and <paramref name="warmSeconds"/> seconds:
    /// .NET recompiles hot methods (tier-0 → tier-1) only after a quiet period, so warm-up counts time, not calls.
    /// </summary>
    public static double[] Sorted(Device device, Action op, int reps, double warmSeconds, double minSeconds = 0)
    {
        long warm = Stopwatch.GetTimestamp();
        for (int i = 0; i < reps || Stopwatch.GetElapsedTime(warm).TotalSeconds < warmSeconds; i++) op();
        device.Synchronize();
        var ms = new List<double>(reps);
        long start = Stopwatch.GetTimestamp();
        while (ms.Count < reps || Stopwatch.GetElapsedTime(start).TotalSeconds < minSeconds)
        {
            long t0 = Stopwatch.GetTimestamp();
            op();
            device.Synchronize();
            ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        ms.Sort();
        return [.. ms];
    }

    public static double Median(double[] sorted) => sorted[sorted.Length / 2];
}
