using System.Numerics;

namespace GpuDqn.Kernels;

/// <summary>The per-element term a host reduction sums, in SIMD and scalar form (a struct "lambda").</summary>
internal interface IHostTerm
{
    Vector<float> Term(Vector<float> a, Vector<float> b);
    float Term(float a, float b);
}

internal readonly struct HostValue : IHostTerm
{
    public Vector<float> Term(Vector<float> a, Vector<float> b) => a;
    public float Term(float a, float b) => a;
}

internal readonly struct HostSquare : IHostTerm
{
    public Vector<float> Term(Vector<float> a, Vector<float> b) => a * a;
    public float Term(float a, float b) => a * a;
}

/// <summary>
/// Deterministic host sums: the input is cut into fixed blocks of <see cref="Block"/> elements
/// (independent of the number of cores), each block is summed in a fixed SIMD lane order, and the
/// block sums are added in order in float64. Threads only decide who computes which block.
/// </summary>
internal static class ReduceHost
{
    public const int Block = 8192;

    /// <summary>Σ term(a[i], b[i]); pass <paramref name="a"/> again as <paramref name="b"/> for one-input terms.</summary>
    public static unsafe double Sum<T>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, T term) where T : struct, IHostTerm
    {
        if (b.Length != a.Length) throw new ArgumentException("reduction inputs differ in length");
        int n = a.Length;
        int blocks = (n + Block - 1) / Block;
        if (blocks <= 1) return BlockSum(a, b, term);
        var partial = new double[blocks];
        fixed (float* pa0 = a, pb0 = b)
        {
            float* pa = pa0, pb = pb0;
            HostParallel.For(blocks, 4, (s, e) =>
            {
                for (long blk = s; blk < e; blk++)
                {
                    int start = (int)blk * Block, len = Math.Min(Block, n - start);
                    partial[blk] = BlockSum(new ReadOnlySpan<float>(pa + start, len), new ReadOnlySpan<float>(pb + start, len), term);
                }
            });
        }
        double total = 0;
        foreach (double p in partial) total += p;
        return total;
    }

    /// <summary>One block: four SIMD accumulators, then the scalar tail; a fixed order throughout.</summary>
    public static double BlockSum<T>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, T term) where T : struct, IHostTerm
    {
        int w = Vector<float>.Count, i = 0;
        var s0 = Vector<float>.Zero; var s1 = s0; var s2 = s0; var s3 = s0;
        for (; i <= a.Length - 4 * w; i += 4 * w)
        {
            s0 += term.Term(new Vector<float>(a[i..]), new Vector<float>(b[i..]));
            s1 += term.Term(new Vector<float>(a[(i + w)..]), new Vector<float>(b[(i + w)..]));
            s2 += term.Term(new Vector<float>(a[(i + 2 * w)..]), new Vector<float>(b[(i + 2 * w)..]));
            s3 += term.Term(new Vector<float>(a[(i + 3 * w)..]), new Vector<float>(b[(i + 3 * w)..]));
        }
        for (; i <= a.Length - w; i += w) s0 += term.Term(new Vector<float>(a[i..]), new Vector<float>(b[i..]));
        float tail = 0f;
        for (; i < a.Length; i++) tail += term.Term(a[i], b[i]);
        return (double)Vector.Sum((s0 + s1) + (s2 + s3)) + tail;
    }

    /// <summary>output[c] (+)= Σ_n Σ_k x[n, c, k], n ascending then k in fixed SIMD order.</summary>
    public static unsafe void SumChannels(ReadOnlySpan<float> x, Span<float> output, int n, int c, int k, bool accumulate)
    {
        if (k == 1)
        {
            // Rows of c: add them in row order, vectorised across the columns.
            var sum = new float[c];
            for (int r = 0; r < n; r++)
            {
                var row = x.Slice(r * c, c);
                int j = 0, w = Vector<float>.Count;
                for (; j <= c - w; j += w) (new Vector<float>(sum.AsSpan(j)) + new Vector<float>(row[j..])).CopyTo(sum.AsSpan(j));
                for (; j < c; j++) sum[j] += row[j];
            }
            for (int j = 0; j < c; j++) output[j] = accumulate ? output[j] + sum[j] : sum[j];
            return;
        }
        fixed (float* px0 = x, po0 = output)
        {
            float* px = px0, po = po0;
            HostParallel.For(c, Math.Max(1, (1 << 16) / Math.Max(1, (long)n * k)), (s, e) =>
            {
                for (long ch = s; ch < e; ch++)
                {
                    float acc = 0f;
                    for (int i = 0; i < n; i++)
                    {
                        var row = new ReadOnlySpan<float>(px + ((long)i * c + ch) * k, k);
                        acc += (float)BlockSum(row, row, default(HostValue));
                    }
                    po[ch] = accumulate ? po[ch] + acc : acc;
                }
            });
        }
    }
}
