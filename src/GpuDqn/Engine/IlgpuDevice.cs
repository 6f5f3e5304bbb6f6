using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace GpuDqn.Engine;

/// <summary>
/// A device driven by ILGPU: CUDA, OpenCL or ILGPU's CPU accelerator. All of them run the
/// same kernels with the same group sizes; only the number of groups launched differs.
/// </summary>
public sealed class IlgpuDevice : Device
{
    /// <summary>The largest group any GpuDqn kernel launches. Every backend must allow it.</summary>
    public const int MaxGroupSize = 256;

    // ILGPU's CPU accelerator runs one OS thread per simulated GPU thread; a group of
    // MaxGroupSize needs warp x warps >= MaxGroupSize. One multiprocessor keeps the thread
    // count (and the barrier cost per group) as low as that allows.
    internal const int CpuWarpSize = 32, CpuWarpsPerGroup = MaxGroupSize / CpuWarpSize, CpuMultiprocessors = 1;
    internal static int CpuAcceleratorThreads => CpuWarpSize * CpuWarpsPerGroup * CpuMultiprocessors;

    private readonly Context context;
    private readonly ConcurrentDictionary<string, object> kernels = new();

    public Accelerator Accelerator { get; }
    public AcceleratorStream Stream => Accelerator.DefaultStream;
    public override DeviceKind Kind { get; }
    public override string Id { get; }
    public override string Name => Accelerator.Name;
    public override long MemoryBytes => Kind == DeviceKind.IlgpuCpu ? HostDevice.PhysicalMemoryBytes() : Accelerator.MemorySize;
    public override int Parallelism => Accelerator.NumMultiprocessors * Accelerator.MaxNumThreadsPerMultiprocessor;

    private IlgpuDevice(Context context, Accelerator accelerator, DeviceKind kind, string id)
    {
        this.context = context;
        Accelerator = accelerator;
        Kind = kind;
        Id = id;
    }

    public static IlgpuDevice CreateCpu()
    {
        var cpu = new CPUDevice(CpuWarpSize, CpuWarpsPerGroup, CpuMultiprocessors);
        var context = Context.Create(b => b.CPU(cpu).EnableAlgorithms().Optimize(OptimizationLevel.O1));
        return new IlgpuDevice(context, cpu.CreateAccelerator(context), DeviceKind.IlgpuCpu, "ilgpu-cpu");
    }

    /// <summary>Opens the index-th CUDA or OpenCL device, or returns null when there is none.</summary>
    public static IlgpuDevice? TryCreateGpu(DeviceKind kind, int index)
    {
        Context? context = null;
        try
        {
            context = Context.Create(b =>
            {
                var builder = kind == DeviceKind.Cuda ? b.Cuda() : b.OpenCL();
                builder.EnableAlgorithms().Optimize(OptimizationLevel.O2);
            });
            var devices = kind == DeviceKind.Cuda
                ? context.Devices.Where(d => d is CudaDevice).ToList()
                : context.Devices.Where(d => d is CLDevice).ToList();
            if (index >= devices.Count)
            {
                context.Dispose();
                return null;
            }
            var acc = devices[index].CreateAccelerator(context);
            string id = kind.Id() + (index == 0 ? "" : $":{index}");
            return new IlgpuDevice(context, acc, kind, id);
        }
        catch (Exception) when (context is not null)
        {
            // A driver that is installed but unusable counts as absent.
            context.Dispose();
            return null;
        }
    }

    public override DeviceBuffer<T> Allocate<T>(long length) => new IlgpuBuffer<T>(this, length);

    public override void Synchronize() => Stream.Synchronize();

    /// <summary>
    /// Loads a kernel once per device and keeps the delegate (a collected delegate would be
    /// recompiled on next use). <paramref name="key"/> names the kernel uniquely.
    /// </summary>
    public TDelegate Kernel<TDelegate>(string key, Func<Accelerator, TDelegate> load) where TDelegate : class =>
        (TDelegate)kernels.GetOrAdd(key, _ => load(Accelerator));

    /// <summary>
    /// Launch shape for a grid-stride kernel over <paramref name="n"/> items with groups of
    /// <paramref name="groupSize"/>: enough groups to fill a GPU, but only one per
    /// multiprocessor on the CPU accelerator, where every group costs a barrier.
    /// </summary>
    public KernelConfig GridStride(long n, int groupSize = MaxGroupSize)
    {
        long groupsNeeded = Math.Max(1, (n + groupSize - 1) / groupSize);
        long cap = Kind == DeviceKind.IlgpuCpu
            ? Accelerator.NumMultiprocessors
            : (long)Accelerator.NumMultiprocessors * Math.Max(1, Accelerator.MaxNumThreadsPerMultiprocessor / groupSize) * 4;
        return new KernelConfig((int)Math.Min(groupsNeeded, cap), groupSize);
    }

    /// <summary>
    /// Group size for a kernel that sums within a group through shared memory and barriers
    /// (<c>ReduceKernel.GroupSum</c>): <paramref name="gpuThreads"/> on a GPU, 32 on the CPU
    /// accelerator, where each simulated thread is an OS thread and every barrier waits for all of
    /// them (groups of 256 made the conv and GEMM checks 1.4–2× slower there).
    /// </summary>
    public int ReductionGroupSize(int gpuThreads) => Kind == DeviceKind.IlgpuCpu ? Math.Min(32, gpuThreads) : gpuThreads;

    public override void Dispose()
    {
        Accelerator.Dispose();
        context.Dispose();
    }
}
