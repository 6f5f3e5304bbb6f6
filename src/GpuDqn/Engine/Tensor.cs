using ILGPU;

namespace GpuDqn.Engine;

/// <summary>Shape arithmetic and the shape checks that ops share.</summary>
public static class Shape
{
    public static long Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        try
        {
            foreach (int d in shape)
            {
                if (d < 0) throw new ArgumentException($"negative dimension {d} in shape {Format(shape)}", nameof(shape));
                // Checked: unchecked, [65536, 65536, 65536, 65536] wrapped to a tensor of 0 elements.
                n = checked(n * d);
            }
        }
        catch (OverflowException)
        {
            throw new ArgumentException($"shape {Format(shape)} has more elements than a long can count", nameof(shape));
        }
        return n;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";
}

/// <summary>
/// A dense, row-major view of <see cref="Length"/> elements starting at <see cref="Offset"/>
/// in a <see cref="DeviceBuffer{T}"/>. Views share storage (reshape and slicing copy nothing);
/// data crosses to the host only through <see cref="Upload"/> and <see cref="ToArray"/>.
/// </summary>
public sealed class Tensor<T> where T : unmanaged
{
    public DeviceBuffer<T> Buffer { get; }
    public long Offset { get; }
    /// <summary>The dimensions, read-only: the tensor's own array, so a caller cannot reshape it behind its Length.</summary>
    public ReadOnlySpan<int> Shape => shape;
    private readonly int[] shape;
    public long Length { get; }
    public Device Device => Buffer.Device;
    public int Rank => Shape.Length;

    public Tensor(DeviceBuffer<T> buffer, long offset, params int[] shape) : this(buffer, offset, (int[])shape.Clone(), owned: true) { }

    // The views below make their shape array themselves: taken as it is, not copied a second time.
    private Tensor(DeviceBuffer<T> buffer, long offset, int[] shape, bool owned)
    {
        Buffer = buffer;
        Offset = offset;
        this.shape = shape;
        Length = Engine.Shape.Count(shape);
        if (offset < 0 || offset + Length > buffer.Length)
            throw new ArgumentException($"view of {Length} elements at offset {offset} does not fit a buffer of {buffer.Length}");
    }

    public int Dim(int axis) => Shape[axis < 0 ? axis + Rank : axis];

    /// <summary>The same elements under another shape; one dimension may be -1 (inferred).</summary>
    public Tensor<T> Reshape(params ReadOnlySpan<int> shape)
    {
        var s = shape.ToArray();
        int infer = Array.IndexOf(s, -1);
        if (infer >= 0)
        {
            long rest = 1;
            for (int i = 0; i < s.Length; i++) if (i != infer) rest *= s[i];
            if (rest == 0 || Length % rest != 0)
                throw new ArgumentException($"cannot reshape {Engine.Shape.Format(Shape)} to {Engine.Shape.Format(shape)}");
            s[infer] = (int)(Length / rest);
        }
        if (Engine.Shape.Count(s) != Length)
            throw new ArgumentException($"cannot reshape {Engine.Shape.Format(Shape)} ({Length} elements) to {Engine.Shape.Format(s)}");
        return new Tensor<T>(Buffer, Offset, s, owned: true);
    }

    /// <summary>A view of <paramref name="shape"/> starting <paramref name="offset"/> elements into this one.</summary>
    public Tensor<T> Slice(long offset, params ReadOnlySpan<int> shape)
    {
        if (offset < 0 || offset + Engine.Shape.Count(shape) > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice {Engine.Shape.Format(shape)} at {offset} exceeds tensor of {Length}");
        return new Tensor<T>(Buffer, Offset + offset, shape.ToArray(), owned: true);
    }

    /// <summary>Rows [start, start+count) along the first axis.</summary>
    public Tensor<T> Rows(int start, int count)
    {
        long row = Length / Math.Max(1, Shape[0]);
        Span<int> s = stackalloc int[Rank];
        Shape.CopyTo(s);
        s[0] = count;
        return Slice(start * row, s);
    }

    public void Upload(ReadOnlySpan<T> data)
    {
        if (data.Length != Length)
            throw new ArgumentException($"upload of {data.Length} elements into a tensor of {Length} {Engine.Shape.Format(Shape)}");
        Buffer.CopyFromHost(data, Offset);
    }

    public void Download(Span<T> destination)
    {
        if (destination.Length != Length)
            throw new ArgumentException($"download of a tensor of {Length} into {destination.Length} elements");
        Buffer.CopyToHost(destination, Offset);
    }

    public T[] ToArray()
    {
        var a = new T[Length];
        Download(a);
        return a;
    }

    public void CopyTo(Tensor<T> destination)
    {
        if (destination.Length != Length)
            throw new ArgumentException($"copy of {Length} elements into a tensor of {destination.Length}");
        if (!ReferenceEquals(destination.Device, Device))
            throw new ArgumentException($"copy between devices {Device.Id} and {destination.Device.Id}: download and upload instead");
        Buffer.CopyTo(destination.Buffer, Offset, destination.Offset, Length);
    }

    /// <summary>Sets every element to zero, on the device (a view clears only its own elements).</summary>
    public void Clear() => Buffer.Clear(Offset, Length);

    /// <summary>The elements as a span (host device only).</summary>
    public Span<T> Span => ((HostBuffer<T>)Buffer).Array.AsSpan(checked((int)Offset), checked((int)Length));

    /// <summary>The elements as an ILGPU view (ILGPU devices only).</summary>
    public ArrayView<T> View => ((IlgpuBuffer<T>)Buffer).View.SubView(Offset, Length);

    public override string ToString() => $"Tensor<{typeof(T).Name}>{Engine.Shape.Format(Shape)} on {Device.Id}";
}
