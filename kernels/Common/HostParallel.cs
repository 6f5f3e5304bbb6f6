namespace GpuDqn.Kernels;

/// <summary>Splits host work over cores only when there is enough of it to pay for the threads.</summary>
public static class HostParallel
{
    /// <summary>Runs body(start, end) over [0, n) in contiguous chunks of at least <paramref name="minChunk"/>.</summary>
    public static void For(long n, long minChunk, Action<long, long> body)
    {
        int workers = (int)Math.Min(Environment.ProcessorCount, Math.Max(1, n / Math.Max(1, minChunk)));
        if (workers <= 1)
        {
            body(0, n);
            return;
        }
        Split(n, workers, body);
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
