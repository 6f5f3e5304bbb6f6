using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>Argmax kernel: one thread per row, grid-stride.</summary>
internal static class ArgmaxKernel
{
    private static void RowsKernel(ArrayView<float> x, ArrayView<int> index, ArrayView<float> max, int hasMax, int rows, int n)
    {
        var xm = new ViewMem<float>(x);
        for (int r = Stride.Start; r < rows; r += Stride.Step)
        {
            index[r] = ArgmaxCore.Row(xm, r * n, n, out float m);
            if (hasMax != 0) max[r] = m;
        }
    }

    public static void Run(IlgpuDevice d, ArrayView<float> x, ArrayView<int> index, ArrayView<float> max, bool hasMax, int rows, int n) =>
        d.Kernel("argmax.rows", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, int, int>(RowsKernel))
            (d.GridStride(rows), x, index, hasMax ? max : x, hasMax ? 1 : 0, rows, n);
}
