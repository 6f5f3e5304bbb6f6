using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Argmax and max along the last axis: for x of shape [..., n] (rows = x.Length / n),
/// index[r] = the lowest j with x[r, j] maximal and max[r] = that value.
/// </summary>
public static class Argmax
{
    public static void Run(Tensor<float> x, Tensor<int> index, Tensor<float>? max = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(index);
        if (x.Rank < 1) throw new ArgumentException("x must have rank >= 1", nameof(x));
        int n = x.Dim(-1);
        if (n < 1) throw new ArgumentException($"x has an empty last axis: shape {Shape.Format(x.Shape)}", nameof(x));
        long rows = x.Length / n;
        if (index.Length != rows)
            throw new ArgumentException($"index has {index.Length} elements {Shape.Format(index.Shape)} but x {Shape.Format(x.Shape)} has {rows} rows", nameof(index));
        if (max is not null && max.Length != rows)
            throw new ArgumentException($"max has {max.Length} elements {Shape.Format(max.Shape)} but x {Shape.Format(x.Shape)} has {rows} rows", nameof(max));
        Check.SameDevice(x.Device, index, max!);
        if (rows == 0) return;
        if (x.Device is IlgpuDevice g) ArgmaxKernel.Run(g, x.View, index.View, max is null ? default : max.View, max is not null, (int)rows, n);
        else ArgmaxHost.Run(Mem.Host(x), Mem.Host(index), max is null ? default : Mem.Host(max), max is not null, (int)rows, n);
    }
}
