using GpuDqn.Engine;

namespace GpuDqn.Kernels.Atari;

/// <summary>The managed array behind a host tensor (host implementations index it with the tensor's offset).</summary>
internal static class HostArray
{
    public static T[] Of<T>(Tensor<T> t) where T : unmanaged => ((HostBuffer<T>)t.Buffer).Array;
}
