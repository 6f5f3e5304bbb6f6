using ILGPU;

namespace GpuDqn.Kernels;

/// <summary>Grid-stride loop bounds for explicitly grouped kernels (see IlgpuDevice.GridStride).</summary>
internal static class Stride
{
    /// <summary>This thread's first index.</summary>
    public static int Start => Grid.GlobalIndex.X;
    /// <summary>The distance between a thread's indices: every thread of the launch.</summary>
    public static int Step => Grid.DimX * Group.DimX;
}
