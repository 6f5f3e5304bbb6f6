using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>Argument checks shared by the op entry points; each names the bad argument.</summary>
public static class Check
{
    /// <summary>Every tensor is on <paramref name="device"/>; null entries (optional tensors) are skipped.</summary>
    public static void SameDevice(Device device, params object[] tensors)
    {
        foreach (var t in tensors)
        {
            var d = t switch
            {
                Tensor<float> f => f.Device,
                Tensor<int> i => i.Device,
                Tensor<byte> b => b.Device,
                Tensor<uint> u => u.Device,
                null => device,
                _ => throw new ArgumentException($"unsupported tensor type {t.GetType().Name}"),
            };
            if (!ReferenceEquals(d, device))
                throw new ArgumentException(d.Id == device.Id
                    // Two Device.Create calls for one id give two instances whose buffers cannot mix.
                    ? $"tensors on two different Device instances with the same id '{device.Id}'; create the device once and share it"
                    : $"tensors on different devices: {device.Id} and {d.Id}");
        }
    }

    // The checks below run first in the op entry points, so a null tensor argument is refused here by name
    // (before anything dereferences it).

    public static void Shape<T>(Tensor<T> t, string name, params ReadOnlySpan<int> expected) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (!t.Shape.SequenceEqual(expected))
            throw new ArgumentException($"{name} has shape {Engine.Shape.Format(t.Shape)}, expected {Engine.Shape.Format(expected)}");
    }

    public static void Rank<T>(Tensor<T> t, string name, int rank) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.Rank != rank)
            throw new ArgumentException($"{name} must have rank {rank}, got shape {Engine.Shape.Format(t.Shape)}");
    }

    public static void SameLength<T, U>(Tensor<T> a, string nameA, Tensor<U> b, string nameB) where T : unmanaged where U : unmanaged
    {
        ArgumentNullException.ThrowIfNull(a, nameA);
        ArgumentNullException.ThrowIfNull(b, nameB);
        if (a.Length != b.Length)
            throw new ArgumentException($"{nameA} has {a.Length} elements {Engine.Shape.Format(a.Shape)} but {nameB} has {b.Length} {Engine.Shape.Format(b.Shape)}");
    }
}
