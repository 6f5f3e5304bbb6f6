using System.Reflection;
using GpuDqn.Kernels;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit;

namespace GpuDqn.Tests.Rl;

/// <summary>
/// ILGPU's CPU accelerator runs the kernels' .NET code directly, so it cannot show that the RL
/// kernels compile for a GPU. This compiles each of them to PTX (no GPU or driver needed) with
/// the CUDA device's context settings: generic IMem accessors, ref structs, MathF.Sin/Cos,
/// 64-bit CounterRng math and shared memory must all pass the CUDA backend.
/// </summary>
public class RlPtxTests
{
    [Theory]
    [InlineData(typeof(ArgmaxKernel), "RowsKernel")]
    [InlineData(typeof(EpsilonGreedyKernel), "SelectKernel")]
    [InlineData(typeof(TdLossKernel), "FusedKernel")]
    [InlineData(typeof(ReplayKernel), "AddKernel")]
    [InlineData(typeof(ReplayKernel), "SampleKernel")]
    [InlineData(typeof(CartPoleKernel), "ResetKernel")]
    [InlineData(typeof(CartPoleKernel), "StepKernel")]
    public void Kernel_compiles_to_ptx(Type type, string name)
    {
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var method = type.GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new MissingMethodException(type.Name, name);
        var kernel = backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), new KernelSpecialization());
        var ptx = Assert.IsType<PTXCompiledKernel>(kernel).PTXAssembly;
        Assert.Contains(".entry", ptx);
        if (Environment.GetEnvironmentVariable("RL_PTX_DUMP") is { } dir) File.WriteAllText(Path.Combine(dir, name + ".ptx"), ptx);
        if (type == typeof(CartPoleKernel) && name == "StepKernel")
            Assert.Matches("sin|cos", ptx);
    }
}
