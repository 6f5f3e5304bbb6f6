using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace GpuDqn.Engine;

/// <summary>What <c>gpudqn devices</c> prints for one device.</summary>
public sealed record DeviceInfo(string Id, DeviceKind Kind, string Name, long MemoryBytes, int Parallelism);

/// <summary>
/// A place where tensors live and ops run. <see cref="HostDevice"/> runs the host
/// implementations; <see cref="IlgpuDevice"/> runs the ILGPU kernels (CUDA, OpenCL, or
/// ILGPU's CPU accelerator). Ops dispatch on the device of their output tensor.
/// </summary>
public abstract class Device : IDisposable
{
    public abstract DeviceKind Kind { get; }
    /// <summary>The id a user passes to <c>--device</c>: cpu, ilgpu-cpu, cuda, cuda:1, opencl.</summary>
    public abstract string Id { get; }
    public abstract string Name { get; }
    public abstract long MemoryBytes { get; }
    /// <summary>Host threads (cpu) or hardware threads in flight (ILGPU).</summary>
    public abstract int Parallelism { get; }

    public abstract DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged;

    /// <summary>Waits until every op enqueued on this device has finished.</summary>
    public abstract void Synchronize();

    public abstract void Dispose();

    public DeviceInfo Info => new(Id, Kind, Name, MemoryBytes, Parallelism);

    public override string ToString() => $"{Id} ({Name})";

    public Tensor<T> Zeros<T>(params int[] shape) where T : unmanaged
    {
        var t = new Tensor<T>(Allocate<T>(Shape.Count(shape)), 0, shape);
        t.Buffer.Clear();
        return t;
    }

    public Tensor<T> FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        if (Shape.Count(shape) != data.Length)
            throw new ArgumentException($"data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {Shape.Count(shape)}", nameof(data));
        var t = new Tensor<T>(Allocate<T>(data.Length), 0, shape);
        t.Upload(data);
        return t;
    }

    /// <summary>The device ids accepted by <see cref="Create"/>.</summary>
    public static readonly string[] KnownIds = ["auto", "cpu", "ilgpu-cpu", "cuda", "opencl"];

    /// <summary>
    /// Opens a device by id: <c>auto</c> (first GPU, else cpu), <c>cpu</c>, <c>ilgpu-cpu</c>,
    /// <c>cuda</c>, <c>cuda:N</c>, <c>opencl</c>, <c>opencl:N</c>. An absent device gets an
    /// error listing the devices that are present.
    /// </summary>
    public static Device Create(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        string key = id.Trim().ToLowerInvariant();
        string kindPart = key;
        int index = 0;
        int colon = key.IndexOf(':');
        if (colon >= 0)
        {
            kindPart = key[..colon];
            if (!int.TryParse(key[(colon + 1)..], out index) || index < 0)
                throw new ArgumentException($"bad device id '{id}': the part after ':' must be a device index (0, 1, ...)");
        }
        switch (kindPart)
        {
            case "cpu": return new HostDevice();
            case "ilgpu-cpu": return IlgpuDevice.CreateCpu();
            case "auto":
                {
                    var gpu = IlgpuDevice.TryCreateGpu(DeviceKind.Cuda, 0) ?? IlgpuDevice.TryCreateGpu(DeviceKind.OpenCL, 0);
                    return gpu is null ? new HostDevice() : gpu;
                }
            case "cuda":
            case "opencl":
                {
                    var kind = kindPart == "cuda" ? DeviceKind.Cuda : DeviceKind.OpenCL;
                    return IlgpuDevice.TryCreateGpu(kind, index)
                        ?? throw new DeviceNotFoundException($"device '{id}' is not present; present devices: {string.Join(", ", List().Select(d => d.Id))}");
                }
            default:
                throw new DeviceNotFoundException($"unknown device '{id}'; expected one of {string.Join(", ", KnownIds)} (or cuda:N, opencl:N)");
        }
    }

    /// <summary>Every device present on this machine, GPUs first.</summary>
    public static IReadOnlyList<DeviceInfo> List()
    {
        var list = new List<DeviceInfo>();
        using (var context = Context.Create(b => b.Cuda().OpenCL()))
        {
            int cuda = 0, cl = 0;
            foreach (var d in context.Devices)
            {
                if (d is CudaDevice)
                {
                    list.Add(new DeviceInfo(cuda == 0 ? "cuda" : $"cuda:{cuda}", DeviceKind.Cuda, d.Name, d.MemorySize, d.NumMultiprocessors * d.MaxNumThreadsPerMultiprocessor));
                    cuda++;
                }
                else if (d is CLDevice)
                {
                    list.Add(new DeviceInfo(cl == 0 ? "opencl" : $"opencl:{cl}", DeviceKind.OpenCL, d.Name, d.MemorySize, d.NumMultiprocessors * d.MaxNumThreadsPerMultiprocessor));
                    cl++;
                }
            }
        }
        list.Add(new DeviceInfo("ilgpu-cpu", DeviceKind.IlgpuCpu, "ILGPU CPU accelerator", HostDevice.PhysicalMemoryBytes(), IlgpuDevice.CpuAcceleratorThreads));
        list.Add(new HostDevice().Info);
        return list;
    }

    /// <summary>The id that <c>auto</c> resolves to on this machine.</summary>
    public static string AutoId(IReadOnlyList<DeviceInfo> present) =>
        present.FirstOrDefault(d => d.Kind.IsGpu())?.Id ?? "cpu";
}

public sealed class DeviceNotFoundException(string message) : Exception(message);
