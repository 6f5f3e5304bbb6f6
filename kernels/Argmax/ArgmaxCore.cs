namespace GpuDqn.Kernels;

/// <summary>The per-row argmax/max that Argmax, EpsilonGreedy and TdLoss share (host and kernel).</summary>
internal static class ArgmaxCore
{
    /// <summary>
    /// Index (0..n-1) of the largest of x[start .. start+n) and its value. Ties go to the
    /// lowest index (only a strictly larger value replaces the best so far). A NaN never
    /// replaces the best; a NaN in the first column stays the result.
    /// </summary>
    public static int Row<TMem>(TMem x, int start, int n, out float max) where TMem : struct, IMem<float>
    {
        int best = 0;
        float bv = x.Get(start);
        for (int j = 1; j < n; j++)
        {
            float v = x.Get(start + j);
            if (v > bv)
            {
                bv = v;
                best = j;
            }
        }
        max = bv;
        return best;
    }
}
