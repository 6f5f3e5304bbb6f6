using System.Collections.Concurrent;
using GpuDqn.Engine;
using Xunit;

// ILGPU's CPU accelerator runs hundreds of OS threads per launch; on a 2-core machine,
// parallel test collections would only fight over the cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace GpuDqn.Tests;

/// <summary>
/// One shared instance of each device for the whole test run (opening an ILGPU context and
/// compiling kernels is expensive). Tests take a device id from <see cref="PresentDevices"/>
/// so that the same test runs on every device present: cpu, ilgpu-cpu, and cuda/opencl when found.
/// </summary>
public static class TestDevices
{
    private static readonly ConcurrentDictionary<string, Device> Open = new();

    public static Device Get(string id) => Open.GetOrAdd(id, Device.Create);

    /// <summary>Device ids present on this machine; GPUs are included only when one is found.</summary>
    public static IReadOnlyList<string> Ids { get; } = FindIds();

    private static List<string> FindIds()
    {
        var ids = new List<string> { "cpu", "ilgpu-cpu" };
        try
        {
            ids.AddRange(Device.List().Where(d => d.Kind.IsGpu()).Select(d => d.Id));
        }
        catch (Exception)
        {
            // No GPU driver at all: the host devices are all there is.
        }
        return ids;
    }

    /// <summary>Fresh inputs on every run; the seed is part of each failure message.</summary>
    public static int NewSeed() => Environment.GetEnvironmentVariable("GPUDQN_TEST_SEED") is { } s ? int.Parse(s) : Random.Shared.Next();
}

public sealed class PresentDevices : TheoryData<string>
{
    public PresentDevices()
    {
        foreach (var id in TestDevices.Ids) Add(id);
    }
}
