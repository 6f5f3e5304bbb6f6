using System.Reflection;
using GpuDqn.Kernels.MinAtar;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
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
        using var context = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var method = typeof(GameTestKernel).GetMethod("StepKernel", BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(game);
        var kernel = backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), new KernelSpecialization());
        var ptx = Assert.IsType<PTXCompiledKernel>(kernel).PTXAssembly;
        Assert.Contains(".entry", ptx);
    }
}
