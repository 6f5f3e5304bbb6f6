namespace GpuDqn.Engine;

/// <summary>
/// The host backend: tensors are managed arrays and ops are the SIMD, multi-threaded host
/// implementations in /kernels. Work runs synchronously on the calling thread (and the
/// thread pool inside large ops), so <see cref="Synchronize"/> has nothing to wait for.
/// </summary>
public sealed class HostDevice : Device
{
    public override DeviceKind Kind => DeviceKind.Cpu;
    public override string Id => "cpu";
    public override string Name => $"host CPU, {Environment.ProcessorCount} threads, {Simd.Description}";
    public override long MemoryBytes => PhysicalMemoryBytes();
    public override int Parallelism => Environment.ProcessorCount;
    public override DeviceBuffer<T> Allocate<T>(long length) => new HostBuffer<T>(this, length);
    public override void Synchronize() { }
    public override void Dispose() { }

    internal static long PhysicalMemoryBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
}

/// <summary>Which SIMD width the host kernels use on this machine.</summary>
public static class Simd
{
    public static string Description =>
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "AVX-512"
        : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "AVX2"
        : System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated ? "128-bit SIMD" : "scalar";
}
