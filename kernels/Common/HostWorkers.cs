using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace GpuDqn.Kernels;

/// <summary>
/// A fork-join for short parallel regions: one dedicated background thread per extra core, each
/// spinning for a while after its last job before it sleeps. A DQN update on the host is a dozen
/// parallel regions of 10–50 µs; handing each to the thread pool (Parallel.For) cost 6–13 µs
/// here, mostly waking a worker, while a spinning worker picks a job up in well under a microsecond.
/// Only one region runs at a time: a nested or concurrent call gets false and uses the pool instead.
/// </summary>
internal static class HostWorkers
{
    /// <summary>How long an idle worker spins before it sleeps (the gaps between regions of one update are shorter).</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5_000; // 200 µs

    private static readonly Lazy<Worker[]> Workers = new(() =>
        Enumerable.Range(1, Math.Max(0, Environment.ProcessorCount - 1)).Select(i => new Worker(i)).ToArray());

    private static int busy;
    private static int pending;

    /// <summary>True on a thread while it runs a part of a region: the other cores are busy with theirs.</summary>
    public static bool InRegion => inPart;
    [ThreadStatic] private static bool inPart;

    /// <summary>
    /// Runs part(0) on the calling thread and part(1..parts-1) on the workers, and returns once all
    /// are done (rethrowing the first exception). False when there are too few workers or a region
    /// is already running; the caller then runs the parts some other way.
    /// </summary>
    public static bool TryRun(int parts, Action<int> part)
    {
        if (parts < 2 || parts - 1 > Environment.ProcessorCount - 1) return false;
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0) return false;
        try
        {
            var workers = Workers.Value;
            Volatile.Write(ref pending, parts - 1);
            for (int w = 1; w < parts; w++) workers[w - 1].Post(part);
            Exception? error = null;
            try
            {
                inPart = true;
                part(0);
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                inPart = false;
            }
            var spin = new SpinWait();
            while (Volatile.Read(ref pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            for (int w = 1; w < parts; w++) error ??= workers[w - 1].TakeError();
            if (error is not null) ExceptionDispatchInfo.Capture(error).Throw();
            return true;
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    private sealed class Worker
    {
        private readonly int index;
        private readonly ManualResetEventSlim wake = new(false);
        private Action<int>? job;
        private Exception? error;
        private int posted, sleeping;

        public Worker(int index)
        {
            this.index = index;
            new Thread(Loop) { IsBackground = true, Name = $"gpudqn-host-worker-{index}" }.Start();
        }

        public void Post(Action<int> part)
        {
            job = part;
            Interlocked.Increment(ref posted);          // a full fence: the job is visible first
            if (Volatile.Read(ref sleeping) != 0) wake.Set();
        }

        public Exception? TakeError()
        {
            var e = error;
            error = null;
            return e;
        }

        private void Loop()
        {
            inPart = true;   // this thread runs nothing but parts of regions
            int seen = 0;
            while (true)
            {
                long idleSince = Stopwatch.GetTimestamp();
                while (Volatile.Read(ref posted) == seen)
                {
                    if (Stopwatch.GetTimestamp() - idleSince < SpinTicks)
                    {
                        Thread.SpinWait(8);
                        continue;
                    }
                    // Announce the sleep, then look once more: Post increments before it reads
                    // `sleeping`, so either this sees the job or Post sees the sleeper and sets the event.
                    Interlocked.Exchange(ref sleeping, 1);
                    if (Volatile.Read(ref posted) == seen) wake.Wait();
                    wake.Reset();
                    Volatile.Write(ref sleeping, 0);
                    idleSince = Stopwatch.GetTimestamp();
                }
                seen = Volatile.Read(ref posted);
                try
                {
                    job!(index);
                }
                catch (Exception e)
                {
                    error = e;
                }
                Interlocked.Decrement(ref pending);
            }
        }
    }
}
