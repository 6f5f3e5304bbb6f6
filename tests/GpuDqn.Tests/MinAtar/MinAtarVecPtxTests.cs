using GpuDqn.Kernels.MinAtar;
using Xunit;

namespace GpuDqn.Tests.MinAtar;

/// <summary>
/// ILGPU's CPU accelerator runs the kernels' .NET code as it is, so it cannot tell whether a
/// kernel is GPU-compilable. This compiles every MinAtarVec kernel of every game to PTX for
/// SM 9.0 (H100) with ILGPU's PTX backend, which needs no GPU or driver.
/// </summary>
public class MinAtarVecPtxTests
{
    public static TheoryData<string, string> Kernels()
    {
        var data = new TheoryData<string, string>();
        foreach (var k in new[] { "StepKernel", "ResetKernel", "ObserveKernel" })
            foreach (var g in new[] { nameof(Breakout), nameof(Freeway), nameof(Asterix), nameof(SpaceInvaders), nameof(Seaquest) })
                data.Add(k, g);
        return data;
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_compiles_to_ptx(string kernel, string game)
    {
        var gameType = typeof(Breakout).Assembly.GetType("GpuDqn.Kernels.MinAtar." + game, throwOnError: true)!;
        var vecKernel = typeof(MinAtarVec).Assembly.GetType("GpuDqn.Kernels.MinAtar.MinAtarVecKernel", throwOnError: true)!;
        var ptx = Ptx.Compile(Ptx.Kernel(vecKernel, kernel).MakeGenericMethod(gameType));
        Assert.Contains(".entry", ptx);
        Assert.Contains(".target", ptx);
    }
}
