using GpuDqn.Kernels.MinAtar;
using Xunit;

namespace GpuDqn.Tests.MinAtar;

/// <summary>
/// ILGPU's CPU accelerator runs the kernels' .NET code directly, so it cannot show that a game
/// compiles for a GPU. This compiles the game test kernel to PTX (no GPU or driver needed),
/// which runs the same IR front end and checks the CUDA backend accepts every construct.
/// </summary>
public class GamePtxTests
{
    [Theory]
    [InlineData(typeof(SpaceInvaders))]
    [InlineData(typeof(Seaquest))]
    public void Game_test_kernel_compiles_to_ptx(Type game)
    {
        var ptx = Ptx.Compile(Ptx.Kernel(typeof(GameTestKernel), "StepKernel").MakeGenericMethod(game));
        Assert.Contains(".entry", ptx);
    }
}
