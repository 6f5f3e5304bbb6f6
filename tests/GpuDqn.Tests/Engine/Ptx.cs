using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace GpuDqn.Tests;

/// <summary>
/// Compiles a kernel method to PTX for an H100/H200 (SM 9.0) with the CUDA device's context
/// settings, without a GPU or driver: the check that the CUDA backend accepts a kernel that CI
/// can only run on ILGPU's CPU accelerator (which executes the .NET code as it is).
/// </summary>
internal static class Ptx
{
    public static string Compile(MethodInfo kernel)
    {
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), KernelSpecialization.Empty);
        if (Environment.GetEnvironmentVariable("GPUDQN_DUMP_PTX") is { } dir)
            File.WriteAllText(Path.Combine(dir, $"{kernel.DeclaringType!.Name}.{kernel.Name}.ptx"), compiled.PTXAssembly);
        return compiled.PTXAssembly;
    }

    /// <summary>The private static kernel <paramref name="name"/> of <paramref name="type"/>.</summary>
    public static MethodInfo Kernel(Type type, string name) =>
        type.GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static) ?? throw new MissingMethodException(type.Name, name);
}
