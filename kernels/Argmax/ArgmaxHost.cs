namespace GpuDqn.Kernels;

/// <summary>Host Argmax: the same <see cref="ArgmaxCore.Row"/> per row, rows split over cores when many.</summary>
internal static class ArgmaxHost
{
    public static void Run(ArrayMem<float> x, ArrayMem<int> index, ArrayMem<float> max, bool hasMax, int rows, int n) =>
        HostParallel.For(rows, Math.Max(1, 65536 / n), (s, e) =>
        {
            for (int r = (int)s; r < e; r++)
            {
                index.Set(r, ArgmaxCore.Row(x, r * n, n, out float m));
                if (hasMax) max.Set(r, m);
            }
        });
}
