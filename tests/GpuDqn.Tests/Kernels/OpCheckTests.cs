using GpuDqn.SelfTest;
using Xunit;

namespace GpuDqn.Tests.Kernels;

/// <summary>
/// Every op check (forward and backward, kernel and host) on every device present, against
/// its float64 reference. The cases live beside the kernels (kernels/&lt;Op&gt;/&lt;Op&gt;Check.cs)
/// so that <c>gpudqn selftest</c> runs exactly these checks on a GPU machine.
/// </summary>
public class OpCheckTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var device in TestDevices.Ids)
            foreach (var c in OpChecks.All)
                data.Add(device, c.Key);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Op_matches_float64_reference(string device, string op)
    {
        var c = OpChecks.Find(op);
        int seed = TestDevices.NewSeed();
        var row = OpChecks.Run(c, TestDevices.Get(device), seed);
        Assert.True(row.Passed, $"{op} on {device} (seed {seed}): max rel error {row.MaxRelError:E2} > {row.Tolerance:E1} {row.Error}");
    }
}
