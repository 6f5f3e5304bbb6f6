using GpuDqn.Engine;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>The per-element term a deterministic reduction sums (a struct "lambda", see the ILGPU note).</summary>
internal interface IReduceTerm
{
    float Term(ArrayView<float> a, ArrayView<float> b, int i);
}

/// <summary>a[i].</summary>
internal readonly struct ValueTerm : IReduceTerm
{
    public float Term(ArrayView<float> a, ArrayView<float> b, int i) => a[i];
}

/// <summary>a[i]².</summary>
internal readonly struct SquareTerm : IReduceTerm
{
    public float Term(ArrayView<float> a, ArrayView<float> b, int i) => a[i] * a[i];
}

/// <summary>
/// Deterministic sums on ILGPU devices. No atomics: each group of <see cref="GroupSize"/> threads
/// sums its grid-stride share in a fixed order, folds the group with a fixed shared-memory tree
/// and writes one partial; a single group then folds the partials the same way. The number of
/// partials is a function of the device and the length only, so a device gives the same bits on
/// every run.
/// </summary>
internal static class ReduceKernel
{
    public const int GroupSize = 256;
    /// <summary>The most partial sums a multi-group reduction writes (the scratch it needs).</summary>
    public const int MaxPartials = 1024;

    /// <summary>What the finishing group writes.</summary>
    public const int FinishSum = 0, FinishSqrt = 1, FinishClipScale = 2;

    /// <summary>
    /// Sum of <paramref name="v"/> over the group in a fixed order (every thread must call it):
    /// DimX/16 threads each add 16 values in order, then thread 0 adds those in order (16 and 16
    /// for a group of 256). Two barriers only (a barrier costs milliseconds on ILGPU's CPU
    /// accelerator). The group size must be a multiple of 16, at most 256; the result is valid in
    /// thread 0. Callers may loop: each shared array is rewritten only after a barrier that
    /// follows its last read.
    /// </summary>
    internal static float GroupSum(ArrayView<float> values, ArrayView<float> sixteen, float v)
    {
        int t = Group.IdxX, lanes = Group.DimX / 16;
        values[t] = v;
        Group.Barrier();
        if (t < lanes)
        {
            float s = 0f;
            for (int j = 0; j < 16; j++) s += values[t * 16 + j];
            sixteen[t] = s;
        }
        Group.Barrier();
        float total = 0f;
        if (t == 0)
            for (int j = 0; j < lanes; j++) total += sixteen[j];
        return total;
    }

    private static void PartialKernel<TTerm>(ArrayView<float> a, ArrayView<float> b, ArrayView<float> dst, int n, float mul, TTerm term)
        where TTerm : struct, IReduceTerm
    {
        var shared = SharedMemory.Allocate<float>(GroupSize);
        var sixteen = SharedMemory.Allocate<float>(16);
        float acc = 0f;
        for (int i = Stride.Start; i < n; i += Stride.Step) acc += term.Term(a, b, i);
        float s = GroupSum(shared, sixteen, acc);
        if (Group.IdxX == 0) dst[Grid.IdxX] = s * mul;
    }

    private static void FinishKernel(ArrayView<float> partials, ArrayView<float> dst, int count, float arg, int mode)
    {
        var shared = SharedMemory.Allocate<float>(GroupSize);
        var sixteen = SharedMemory.Allocate<float>(16);
        float acc = 0f;
        for (int p = Group.IdxX; p < count; p += GroupSize) acc += partials[p];
        float s = GroupSum(shared, sixteen, acc);
        if (Group.IdxX == 0)
        {
            if (mode == FinishSum) dst[0] = s * arg;
            else
            {
                float norm = XMath.Sqrt(s);
                dst[0] = norm;
                if (mode == FinishClipScale) dst[1] = IntrinsicMath.Min(1f, arg / (norm + 1e-6f));
            }
        }
    }

    /// <summary>
    /// How many partial sums a multi-group reduction of <paramref name="n"/> elements uses on
    /// <paramref name="d"/>: on a GPU as many groups as a grid-stride launch (at most
    /// <see cref="MaxPartials"/>); on the CPU accelerator, where every group costs barriers, one
    /// group per 8192 elements up to 4, so that the multi-partial path is exercised there too.
    /// </summary>
    public static int Partials(IlgpuDevice d, long n) => d.Kind == DeviceKind.IlgpuCpu
        ? (int)Math.Clamp((n + 8191) / 8192, 1, 4)
        : Math.Min(d.GridStride(n, GroupSize).GridDim.X, MaxPartials);

    /// <summary>
    /// Sums term(a, b, i) over [0, n). <paramref name="mode"/> <see cref="FinishSum"/>: dst[0] = sum·arg;
    /// <see cref="FinishSqrt"/>: dst[0] = √sum; <see cref="FinishClipScale"/>: also dst[1] = min(1, arg/(√sum + 1e-6)).
    /// With an empty <paramref name="partials"/> one group does all the work; otherwise up to
    /// <see cref="MaxPartials"/> groups write partials there first.
    /// </summary>
    public static void Sum<TTerm>(IlgpuDevice d, ArrayView<float> a, ArrayView<float> b, int n,
        ArrayView<float> dst, ArrayView<float> partials, float arg, int mode)
        where TTerm : struct, IReduceTerm
    {
        var partial = d.Kernel("reduce.partial." + typeof(TTerm).Name, acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, TTerm>(PartialKernel));
        int groups = partials.Length == 0 ? 1 : Partials(d, n);
        if (groups == 1 && mode == FinishSum)
        {
            partial(new KernelConfig(1, GroupSize), a, b, dst, n, arg, default);
            return;
        }
        var target = groups == 1 ? dst.SubView(0, 1) : partials.SubView(0, groups);
        partial(new KernelConfig(groups, GroupSize), a, b, target, n, 1f, default);
        var finish = d.Kernel("reduce.finish", acc =>
            acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, float, int>(FinishKernel));
        finish(new KernelConfig(1, GroupSize), target, dst, groups, arg, mode);
    }

    // ---- sums over the first and third axes of x viewed as [N, C, K] (bias gradients) ----

    internal readonly struct AxisDims(int n, int c, int k, int accumulate)
    {
        public readonly int N = n, C = c, K = k, Accumulate = accumulate;
    }

    /// <summary>One thread per channel, summing n then k in order: for many channels (coalesced over c when K = 1).</summary>
    private static void ChannelPerThreadKernel(ArrayView<float> x, ArrayView<float> output, AxisDims d)
    {
        for (int c = Stride.Start; c < d.C; c += Stride.Step)
        {
            float acc = 0f;
            for (int n = 0; n < d.N; n++)
            {
                int row = (n * d.C + c) * d.K;
                for (int k = 0; k < d.K; k++) acc += x[row + k];
            }
            output[c] = d.Accumulate != 0 ? output[c] + acc : acc;
        }
    }

    /// <summary>One group per channel, a fixed share per thread then a fixed tree: for few, long channels.</summary>
    private static void ChannelPerGroupKernel(ArrayView<float> x, ArrayView<float> output, AxisDims d)
    {
        var shared = SharedMemory.Allocate<float>(GroupSize);
        var sixteen = SharedMemory.Allocate<float>(16);
        int count = d.N * d.K;
        for (int c = Grid.IdxX; c < d.C; c += Grid.DimX)
        {
            float acc = 0f;
            for (int j = Group.IdxX; j < count; j += GroupSize)
            {
                int n = j / d.K, k = j - n * d.K;
                acc += x[(n * d.C + c) * d.K + k];
            }
            float s = GroupSum(shared, sixteen, acc);
            if (Group.IdxX == 0) output[c] = d.Accumulate != 0 ? output[c] + s : s;
        }
    }

    /// <summary>Whether a channel sum of [n, c, k] runs one group per channel (else one thread per channel).</summary>
    public static bool GroupPerChannel(int n, int c, int k) => c < 128 && (long)n * k > 64;

    /// <summary>output[c] (+)= Σ_n Σ_k x[n, c, k]: deterministic, the order fixed by the shape.</summary>
    public static void SumChannels(IlgpuDevice d, ArrayView<float> x, ArrayView<float> output, int n, int c, int k, bool accumulate)
    {
        var dims = new AxisDims(n, c, k, accumulate ? 1 : 0);
        if (GroupPerChannel(n, c, k))
        {
            var kernel = d.Kernel("reduce.channels.group", acc =>
                acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, AxisDims>(ChannelPerGroupKernel));
            // The CPU accelerator pays barriers per group: two groups there (which still loop over channels).
            int groups = d.Kind == DeviceKind.IlgpuCpu ? Math.Min(c, 2) : c;
            kernel(new KernelConfig(groups, GroupSize), x, output, dims);
        }
        else
        {
            var kernel = d.Kernel("reduce.channels.thread", acc =>
                acc.LoadStreamKernel<ArrayView<float>, ArrayView<float>, AxisDims>(ChannelPerThreadKernel));
            kernel(d.GridStride(c, GroupSize), x, output, dims);
        }
    }
}
