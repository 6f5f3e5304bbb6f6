using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GpuDqn.Kernels;

/// <summary>Scratch buffers for the host kernels' raw-pointer loops.</summary>
internal static unsafe class HostScratch
{
    /// <summary>
    /// At least <paramref name="length"/> values in <paramref name="cache"/> (typically a [ThreadStatic]
    /// field), grown on demand: pinned (POH) so the address stays put, the returned start 64-byte aligned.
    /// </summary>
    public static T* Pinned<T>(ref T[]? cache, int length) where T : unmanaged
    {
        int pad = 64 / sizeof(T);
        if (cache is null || cache.Length < length + pad)
            cache = GC.AllocateUninitializedArray<T>(length + pad, pinned: true);
        nint p = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(cache));
        return (T*)((p + 63) & ~(nint)63);
    }
}
