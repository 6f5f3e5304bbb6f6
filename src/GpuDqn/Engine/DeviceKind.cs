namespace GpuDqn.Engine;

/// <summary>The four kinds of compute device GpuDqn runs on.</summary>
public enum DeviceKind
{
    /// <summary>The host backend: plain C# with SIMD over all cores.</summary>
    Cpu,
    /// <summary>ILGPU's CPU accelerator running the very same kernels as a GPU (parity, fallback).</summary>
    IlgpuCpu,
    /// <summary>An NVIDIA GPU through ILGPU's CUDA backend.</summary>
    Cuda,
    /// <summary>An OpenCL 2.0+ device through ILGPU (untested here: no such device on our machines).</summary>
    OpenCL,
}

public static class DeviceKindNames
{
    public static string Id(this DeviceKind kind) => kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.IlgpuCpu => "ilgpu-cpu",
        DeviceKind.Cuda => "cuda",
        DeviceKind.OpenCL => "opencl",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool IsGpu(this DeviceKind kind) => kind is DeviceKind.Cuda or DeviceKind.OpenCL;
}
