namespace GpuDqn.Kernels;

/// <summary>
/// Splits host work over cores only when there is enough of it to pay for the threads. Called from
/// inside a part of a region (<see cref="Invoke"/>: each core runs a task of its own), it runs on the
/// calling thread: the other cores are busy, and every op gives the same result however it is split.
/// </summary>
public static class HostParallel
{
    /// <summary>Runs body(start, end) over [0, n) in contiguous chunks of at least <paramref name="minChunk"/>.</summary>
    public static void For(long n, long minChunk, Action<long, long> body)
    {
        if (HostWorkers.InRegion)
        {
            body(0, n);
            return;
        }
        int workers = (int)Math.Min(Environment.ProcessorCount, Math.Max(1, n / Math.Max(1, minChunk)));
        if (workers <= 1)
        {
            body(0, n);
            return;
        }
        Split(n, workers, body);
    }

    /// <summary>
    /// Runs <paramref name="first"/> on the calling thread and <paramref name="second"/> on another core at
    /// the same time; the ops they call run on their own core. Two halves of independent work that each
    /// stay in one core's cache. Where they cannot run together (one core, inside a region, the workers
    /// taken by another thread's region) they run one after the other, first first, so second may wait
    /// for what first has done.
    /// </summary>
    public static void Invoke(Action first, Action second)
    {
        // TryRun refuses with one core and inside a region (its own, from any of its parts) too.
        void Part(int w) => (w == 0 ? first : second)();
        if (!HostWorkers.TryRun(2, Part))
        {
            first();
            second();
        }
    }

    // Apart from For so that the serial path allocates no closure.
    private static void Split(long n, int workers, Action<long, long> body)
    {
        long chunk = (n + workers - 1) / workers;
        void Part(int w)
        {
            long start = w * chunk, end = Math.Min(n, start + chunk);
            if (start < end) body(start, end);
        }
        // The spinning workers first; the thread pool when they are taken (a nested or concurrent call).
        if (!HostWorkers.TryRun(workers, Part)) Parallel.For(0, workers, Part);
    }
}
