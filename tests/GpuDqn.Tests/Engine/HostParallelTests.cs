using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Engine;

/// <summary>
/// The host fork-join (<see cref="HostParallel"/> over <see cref="HostWorkers"/>' spinning threads):
/// every index exactly once, exceptions reach the caller, and nested or concurrent regions (which
/// fall back to the thread pool) still compute the right thing.
/// </summary>
public class HostParallelTests
{
    private static long[] Covered(long n, long minChunk)
    {
        var hits = new long[n];
        HostParallel.For(n, minChunk, (s, e) =>
        {
            for (long i = s; i < e; i++) Interlocked.Increment(ref hits[i]);
        });
        return hits;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 1)]
    [InlineData(100_003, 1_000)]
    public void Every_index_runs_exactly_once(long n, long minChunk)
    {
        for (int rep = 0; rep < 200; rep++)
            Assert.All(Covered(n, minChunk), h => Assert.Equal(1, h));
    }

    [Fact]
    public void An_exception_in_any_chunk_reaches_the_caller_and_the_workers_keep_working()
    {
        for (int rep = 0; rep < 50; rep++)
        {
            var e = Assert.ThrowsAny<Exception>(() => HostParallel.For(1000, 1, (s, end) =>
            {
                if (end == 1000) throw new InvalidOperationException("last chunk failed");
            }));
            var inner = e is AggregateException a ? a.InnerExceptions[0] : e;
            Assert.Equal("last chunk failed", inner.Message);
            Assert.All(Covered(1000, 1), h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Nested_regions_compute_the_right_sums()
    {
        var totals = new long[4];
        HostParallel.For(4, 1, (s, e) =>
        {
            for (long i = s; i < e; i++)
            {
                long local = 0;
                HostParallel.For(10_000, 100, (a, b) =>
                {
                    long part = 0;
                    for (long j = a; j < b; j++) part += j;
                    Interlocked.Add(ref local, part);
                });
                totals[i] = local;
            }
        });
        Assert.All(totals, t => Assert.Equal(10_000L * 9_999 / 2, t));
    }

    [Fact]
    public void Concurrent_callers_each_get_their_own_complete_region()
    {
        var failures = 0;
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            for (int rep = 0; rep < 200; rep++)
                if (Covered(5_000, 10).Any(h => h != 1)) Interlocked.Increment(ref failures);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(0, failures);
    }
}
