using System.Diagnostics;
using GpuDqn.Engine;

namespace GpuDqn.Bench;

/// <summary>Stopwatch timing for the side-by-side modes (updates, conv).</summary>
internal static class Timing
{
    /// <summary>
    /// Milliseconds of <paramref name="reps"/> runs of <paramref name="op"/> (each synchronised), sorted.
    /// It first runs at least <paramref name="reps"/> times and <paramref name="warmSeconds"/> seconds:
    /// .NET recompiles hot methods (tier-0 → tier-1) only after a quiet period, so warm-up counts time, not calls.
    /// </summary>
    public static double[] Sorted(Device device, Action op, int reps, double warmSeconds)
    {
        long warm = Stopwatch.GetTimestamp();
        for (int i = 0; i < reps || Stopwatch.GetElapsedTime(warm).TotalSeconds < warmSeconds; i++) op();
        device.Synchronize();
        var ms = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            op();
            device.Synchronize();
            ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(ms);
        return ms;
    }

    public static double Median(double[] sorted) => sorted[sorted.Length / 2];
}
