using GpuDqn.Engine;
using ILGPU;

namespace GpuDqn.Kernels;

/// <summary>
/// Element access that the reinforcement-learning kernels (Argmax, Acting, TdLoss, Replay,
/// CartPole) are written against, so each op's per-element code is written once: inside an
/// ILGPU kernel it runs over <see cref="ViewMem{T}"/>, on the host over <see cref="ArrayMem{T}"/>.
/// ILGPU compiles one instantiation per memory kind (struct generics, no boxing).
/// </summary>
internal interface IMem<T> where T : unmanaged
{
    T Get(int i);
    void Set(int i, T value);
}

/// <summary>Element access to a device view (inside kernels).</summary>
internal readonly struct ViewMem<T>(ArrayView<T> view) : IMem<T> where T : unmanaged
{
    private readonly ArrayView<T> view = view;
    public T Get(int i) => view[i];
    public void Set(int i, T value) => view[i] = value;
}

/// <summary>Element access to a host tensor's managed array, shifted by the tensor's offset.</summary>
internal readonly struct ArrayMem<T>(T[] array, int offset) : IMem<T> where T : unmanaged
{
    private readonly T[] array = array;
    private readonly int offset = offset;
    public T Get(int i) => array[offset + i];
    public void Set(int i, T value) => array[offset + i] = value;
}

internal static class Mem
{
    /// <summary>The host accessor of a tensor on the <see cref="HostDevice"/>.</summary>
    public static ArrayMem<T> Host<T>(Tensor<T> t) where T : unmanaged =>
        new(((HostBuffer<T>)t.Buffer).Array, checked((int)t.Offset));

    /// <summary>The device accessor of a tensor on an <see cref="IlgpuDevice"/>.</summary>
    public static ViewMem<T> Dev<T>(Tensor<T> t) where T : unmanaged => new(t.View);
}
