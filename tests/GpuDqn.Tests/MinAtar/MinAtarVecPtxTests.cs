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
        var method = typeof(MinAtarVec).Assembly.GetType("GpuDqn.Kernels.MinAtar.MinAtarVecKernel", throwOnError: true)!
            .GetMethod(kernel, BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(gameType);
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(method);
        var spec = KernelSpecialization.Empty;
        var compiled = (PTXCompiledKernel)backend.Compile(entry, spec);
        Assert.Contains(".entry", compiled.PTXAssembly);
        Assert.Contains(".target", compiled.PTXAssembly);
        if (Environment.GetEnvironmentVariable("GPUDQN_DUMP_PTX") is { } dir) File.WriteAllText(Path.Combine(dir, $"{kernel}.{game}.ptx"), compiled.PTXAssembly);
    }
}
