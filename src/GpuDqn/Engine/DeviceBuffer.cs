using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Engine;

/// <summary>A flat run of elements in a device's memory. Tensors are views into one.</summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    public abstract Device Device { get; }
    public abstract long Length { get; }
    public abstract void CopyFromHost(ReadOnlySpan<T> source, long offset);
    public abstract void CopyToHost(Span<T> destination, long offset);
    /// <summary>Copies <paramref name="count"/> elements between buffers of the same device.</summary>
    public abstract void CopyTo(DeviceBuffer<T> destination, long sourceOffset, long destinationOffset, long count);
    public abstract void Clear();
    /// <summary>Zeroes <paramref name="count"/> elements from <paramref name="offset"/>, on the device.</summary>
    public abstract void Clear(long offset, long count);
    public abstract void Dispose();
    public long SizeInBytes => Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
}

/// <summary>Host memory: a managed array the host backend works on directly.</summary>
public sealed class HostBuffer<T>(HostDevice device, long length) : DeviceBuffer<T> where T : unmanaged
{
    public T[] Array { get; } = new T[checked((int)length)];
    public override Device Device => device;
    public override long Length => Array.LongLength;
    public override void CopyFromHost(ReadOnlySpan<T> source, long offset) => source.CopyTo(Array.AsSpan(checked((int)offset)));
    public override void CopyToHost(Span<T> destination, long offset) => Array.AsSpan(checked((int)offset), destination.Length).CopyTo(destination);
    public override void CopyTo(DeviceBuffer<T> destination, long sourceOffset, long destinationOffset, long count) =>
        Array.AsSpan((int)sourceOffset, (int)count).CopyTo(((HostBuffer<T>)destination).Array.AsSpan((int)destinationOffset));
    public override void Clear() => System.Array.Clear(Array);
    public override void Clear(long offset, long count) => System.Array.Clear(Array, checked((int)offset), checked((int)count));
    public override void Dispose() { }
}

/// <summary>Accelerator memory owned by an ILGPU <see cref="MemoryBuffer1D{T, TStride}"/>.</summary>
public sealed class IlgpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly IlgpuDevice device;
    public MemoryBuffer1D<T, Stride1D.Dense> Memory { get; }

    public IlgpuBuffer(IlgpuDevice device, long length)
    {
        this.device = device;
        Memory = device.Accelerator.Allocate1D<T>(Math.Max(length, 1));
        Length = length;
    }

    public override Device Device => device;
    public override long Length { get; }
    public ArrayView<T> View => Live.View.SubView(0, Length);

    // Disposing the device disposes its buffers; ILGPU would then fail an assertion that ends the process.
    private MemoryBuffer1D<T, Stride1D.Dense> Live => Memory.IsDisposed || device.Accelerator.IsDisposed
        ? throw new ObjectDisposedException(nameof(IlgpuBuffer<T>), $"this tensor's device {device.Id} has been disposed")
        : Memory;

    public override void CopyFromHost(ReadOnlySpan<T> source, long offset)
    {
        if (source.Length == 0) return;
        View.SubView(offset, source.Length).CopyFromCPU(device.Stream, source);
    }

    public override void CopyToHost(Span<T> destination, long offset)
    {
        if (destination.Length == 0) return;
        View.SubView(offset, destination.Length).CopyToCPU(device.Stream, destination);
        device.Stream.Synchronize();
    }

    public override void CopyTo(DeviceBuffer<T> destination, long sourceOffset, long destinationOffset, long count)
    {
        if (count == 0) return;
        View.SubView(sourceOffset, count).CopyTo(device.Stream, ((IlgpuBuffer<T>)destination).View.SubView(destinationOffset, count));
    }

    public override void Clear() => Live.MemSetToZero(device.Stream);

    public override void Clear(long offset, long count)
    {
        if (count > 0) View.SubView(offset, count).MemSetToZero(device.Stream);
    }

    public override void Dispose() => Memory.Dispose();
}
