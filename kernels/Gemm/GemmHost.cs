using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuDqn.Kernels;

/// <summary>
/// The host GEMM: C = alpha·op(A)·op(B) + beta·C (+ bias per column, ReLU), row-major.
/// Goto/BLIS-style blocking: op(B) is packed into KC×NR column panels, op(A) into MC×KC blocks
/// of MR-row panels, and an MR×NR register-blocked FMA micro-kernel (AVX-512 8×32; AVX2 8×24 or,
/// for narrow products, 8×16, each as two 4-row halves; scalar 8×8) walks the packed panels.
/// Large problems split C's columns (or rows) over the cores; every output element sees the same
/// sequence of operations whatever the split, so the result does not depend on the thread count or
/// timing. See docs/gemm.md.
/// </summary>
internal static unsafe class GemmHost
{
    internal enum Isa { Scalar, Avx2, Avx512 }

    /// <summary>The widest micro-kernel this machine runs.</summary>
    internal static Isa Detected { get; } =
        Avx512F.IsSupported && Vector512.IsHardwareAccelerated ? Isa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? Isa.Avx2 : Isa.Scalar;

    /// <summary>Tests only: run a narrower micro-kernel than <see cref="Detected"/> (null: the detected one).</summary>
    internal static Isa? ForceIsa { get; set; }
    /// <summary>Tests and benchmarks only: pack op(A) even where the micro-kernel could read it in place.</summary>
    internal static bool ForcePacked { get; set; }

    internal const int MR = 8;
    internal const int KC = 256, MC = 128, NC = 512;
    /// <summary>Below this many flops (2·m·n·k) the whole product runs on the calling thread.</summary>
    internal const long ParallelFlops = 4L << 20;

    public static void Run(ReadOnlySpan<float> a, bool transA, ReadOnlySpan<float> b, bool transB, Span<float> c,
        int m, int n, int k, float alpha, float beta, ReadOnlySpan<float> bias, bool hasBias, bool relu, bool parallel = true,
        ReadOnlySpan<float> reluMask = default)
    {
        if (m <= 0 || n <= 0) return;
        if (c.Length < (long)m * n) throw new ArgumentException($"c holds {c.Length} values, {m}x{n} needs {(long)m * n}");
        if (k > 0 && (a.Length < (long)m * k || b.Length < (long)k * n))
            throw new ArgumentException($"a ({a.Length}) or b ({b.Length}) too small for {m}x{n}x{k}");
        if (hasBias && bias.Length < n) throw new ArgumentException($"bias holds {bias.Length} values, needs {n}");
        bool masked = !reluMask.IsEmpty;
        if (masked && reluMask.Length < (long)m * n) throw new ArgumentException($"reluMask holds {reluMask.Length} values, {m}x{n} needs {(long)m * n}");
        var isa = ForceIsa is { } f && f < Detected ? f : Detected;
        fixed (float* pa = a, pb = b, pc = c, pbias = bias, pmask = reluMask)
        {
            var job = new Job
            {
                A = pa, B = pb, C = pc, Bias = hasBias ? pbias : null, Mask = masked ? pmask : null,
                TransA = transA, TransB = transB, M = m, N = n, K = k,
                Alpha = alpha, Beta = beta, Relu = relu, Isa = isa, NR = PanelWidth(isa, n),
                Serial = !parallel,
            };
            if (k == 0)
            {
                job.EpilogueOnly();
                job.ApplyMask(0, m, 0, n);
                return;
            }
            long flops = 2L * m * n * k;
            if (!transA && transB && (n < 16 || m <= 2) && flops < ParallelFlops)
            {
                // Few outputs per row (a Q-value head, a batch-1 act): dot products along k
                // beat packing panels that would be mostly padding.
                job.DotNT();
                job.ApplyMask(0, m, 0, n);
                return;
            }
            if (n < 16 && m >= 16 || isa != Isa.Scalar && !ForcePacked && TransposedIsCheaper(m, n, k, transA, transB, beta != 0, job.NR, PanelWidth(isa, m)))
            {
                // Compute Cᵀ = op(B)ᵀ·op(A)ᵀ into a per-thread scratch buffer, then write it back
                // transposed. Few columns (an input gradient into a 4-wide observation): the short
                // side fills 8-row panels instead of padding 32-wide column panels. A short batch
                // times a big weight (a dense layer's forward, its input gradient): only the
                // batch side is packed, the weight is read in place. The scratch starts as Cᵀ and
                // the swapped product keeps alpha and beta, so every output sees the same
                // operations as on the direct path; bias and ReLU come after, as they do there.
                float* t = HostScratch.Pinned(ref bufT, n * m);
                if (beta != 0) HostTranspose.Matrix(pc, m, n, t);
                var swapped = job with
                {
                    A = pb, TransA = !transB, B = pa, TransB = !transA, C = t, M = n, N = m, NR = PanelWidth(isa, m),
                    Bias = null, Relu = false, Mask = null,
                };
                // Each core writes back (and masks) the part of C its block of Cᵀ holds, from its own cache.
                var back = job with { T = t };
                Execute(swapped, (i0, i1, j0, j1) => back.FromTransposed(j0, j1, i0, i1));
                return;
            }
            Execute(job);
        }
    }

    /// <summary>
    /// Columns per packed B panel (and micro-kernel tile) of an n-column product. AVX2 takes three
    /// vectors (12 accumulators hide the FMA latency: 512³ on one core 70 vs 57 GFLOP/s with two) for
    /// wide products, and for narrow ones unless that pads 5% more columns than two vectors would: a
    /// dense forward computed as Cᵀ at batch 64 stays 16 wide (72 columns instead of 64, and 3 panels
    /// that split unevenly over two cores), CartPole's 120- and 84-wide layers go 24 wide (the T-DQN
    /// update 6–8% faster, 15 alternating rounds in one process).
    /// </summary>
    internal static int PanelWidth(Isa isa, int n) => isa switch
    {
        Isa.Avx512 => 32,
        Isa.Avx2 => n >= 256 || Up(n, 24) * 20 <= Up(n, 16) * 21 ? 24 : 16,
        _ => 8,
    };

    private static long Up(long x, int to) => (x + to - 1) / to * to;

    /// <summary>
    /// Whether Cᵀ = op(B)ᵀ·op(A)ᵀ costs less than C on the SIMD paths, counting the elements each
    /// moves besides the micro-kernel's own reads (1 per copy, 2 per transpose), and refusing when the
    /// MR×NR tiles would pad more. Either way the left operand is read in place only when row-major
    /// (else copied into panels) and the right one is packed. C: op(B) packed (k·n), op(A) copied
    /// when stored transposed (k·m). Cᵀ: op(A)ᵀ packed (k·m), op(B)ᵀ copied unless B is stored
    /// transposed (k·n), and C transposed back (m·n, twice when C is read).
    /// </summary>
    private static bool TransposedIsCheaper(int m, int n, int k, bool transA, bool transB, bool readC, int nr, int nrSwapped)
    {
        if (Up(n, MR) * Up(m, nrSwapped) > Up(m, MR) * Up(n, nr)) return false;
        long km = (long)k * m, kn = (long)k * n, mn = (long)m * n;
        long direct = kn * (transB ? 2 : 1) + (transA ? km : 0);
        long swapped = km * (transA ? 1 : 2) + (transB ? 0 : kn) + (readC ? 4 : 2) * mn;
        return swapped < direct;
    }

    /// <summary>Computes C; then <paramref name="after"/>(i0, i1, j0, j1), if given, on each block of C as it is finished, on the core that computed it.</summary>
    private static void Execute(Job job, Action<int, int, int, int>? after = null)
    {
        long flops = 2L * job.M * job.N * job.K;
        int colPanels = (job.N + job.NR - 1) / job.NR, rowPanels = (job.M + MR - 1) / MR;
        if (job.Serial || flops < ParallelFlops || Environment.ProcessorCount < 2 || (colPanels < 2 && rowPanels < 2))
        {
            job.Block(0, job.M, 0, job.N);
            job.ApplyMask(0, job.M, 0, job.N);
            after?.Invoke(0, job.M, 0, job.N);
            return;
        }
        // Split the dimension whose other operand is cheaper to pack twice: splitting
        // columns repacks A (m·k) per worker, splitting rows repacks B (k·n). Read in place, A
        // costs no packing to share, so columns win, unless A is at least twice B: a weight read
        // in place against a batch (a dense forward as Cᵀ) then splits by the weight's rows, so each
        // core streams only its half of the weight (the half the optimizer's split of the flat
        // parameters wrote on that core) and packs the whole, smaller batch side. MinAtar update on
        // the 2-core Zen 3: 4–6% faster in the windows where lines cross between the cores slowly
        // (vCPU round trip ~500 ns), the same in the others; the Nature update unchanged.
        bool weightRows = job.DirectA && rowPanels >= 2 && job.M >= 2L * job.N;
        bool splitCols = colPanels >= 2 && !weightRows && (job.DirectA || job.M <= job.N || rowPanels < 2);
        Split(job, splitCols, splitCols ? colPanels : rowPanels, after);
    }

    private static void Split(Job job, bool splitCols, int panels, Action<int, int, int, int>? after)
    {
        HostParallel.For(panels, 1, (s, e) =>
        {
            int i0 = 0, i1 = job.M, j0 = 0, j1 = job.N;
            if (splitCols) (j0, j1) = ((int)s * job.NR, (int)Math.Min(job.N, e * job.NR));
            else (i0, i1) = ((int)s * MR, (int)Math.Min(job.M, e * MR));
            job.Block(i0, i1, j0, j1);
            job.ApplyMask(i0, i1, j0, j1);
            after?.Invoke(i0, i1, j0, j1);
        });
    }

    // Per-thread packing buffers, pinned (POH) so their addresses stay put, 64-byte aligned.
    [ThreadStatic] private static float[]? bufA, bufB, bufT;

    private struct Job
    {
        public float* A, B, C, Bias;
        /// <summary>Null, or m×n like C: C is zeroed last wherever it is not &gt; 0 (a ReLU's backward).</summary>
        public float* Mask;
        /// <summary>The Cᵀ scratch (n×m) that <see cref="FromTransposed"/> writes back from.</summary>
        public float* T;
        public bool TransA, TransB, Relu;
        /// <summary>Run on the calling thread only (the caller already splits its work over the cores).</summary>
        public bool Serial;
        /// <summary>
        /// The micro-kernel reads a row-major A where it lies (SIMD kernels); else op(A) is packed into panels.
        /// AVX2 (Zen 3 here, 512 KB L2) reads it in place only up to 512 columns: past that each A panel
        /// serves many B panels and packing pays (1024³ on two cores: 72 GFLOP/s packed, 59 in place).
        /// </summary>
        public readonly bool DirectA => !TransA && !ForcePacked && (Isa == Isa.Avx512 || Isa == Isa.Avx2 && N <= 512);
        public int M, N, K, NR;
        public float Alpha, Beta;
        public Isa Isa;

        /// <summary>C[i0:i1, j0:j1] = Mask &gt; 0 ? C : 0 (NaN in the mask zeroes too, as <c>Relu.MaskGrad</c>); nothing without a mask.</summary>
        public readonly void ApplyMask(int i0, int i1, int j0, int j1)
        {
            if (Mask == null) return;
            for (long i = i0; i < i1; i++)
            {
                float* c = C + i * N, mask = Mask + i * N;
                int j = j0;
                if (Vector256.IsHardwareAccelerated)
                    for (; j + 8 <= j1; j += 8)
                        Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(mask + j), Vector256<float>.Zero),
                            Vector256.Load(c + j), Vector256<float>.Zero).Store(c + j);
                for (; j < j1; j++) if (!(mask[j] > 0f)) c[j] = 0f;
            }
        }

        /// <summary>k = 0: C = beta·C (C ignored when beta is 0), then bias and ReLU.</summary>
        public readonly void EpilogueOnly()
        {
            for (long i = 0; i < M; i++)
                for (int j = 0; j < N; j++)
                {
                    float* p = C + i * N + j;
                    float v = Beta != 0 ? Beta * *p : 0f;
                    if (Bias != null) v += Bias[j];
                    if (Relu) v = MathF.Max(v, 0f);
                    *p = v;
                }
        }

        /// <summary>
        /// C = op·A·Bᵀ with A m×k and B n×k both row-major: every output is a dot product of two
        /// contiguous rows (16- or 8-wide FMAs), four columns at a time, reduced in a fixed order.
        /// </summary>
        public readonly void DotNT()
        {
            for (int i = 0; i < M; i++)
            {
                float* ar = A + (long)i * K;
                for (int j0 = 0; j0 < N; j0 += 4)
                {
                    int cols = Math.Min(4, N - j0);
                    float* b0 = B + (long)j0 * K;
                    float* b1 = cols > 1 ? b0 + K : b0, b2 = cols > 2 ? b0 + 2L * K : b0, b3 = cols > 3 ? b0 + 3L * K : b0;
                    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    int p = 0;
                    if (Isa == Isa.Avx512)
                    {
                        Vector512<float> v0 = default, v1 = default, v2 = default, v3 = default;
                        for (; p + 16 <= K; p += 16)
                        {
                            var x = Vector512.Load(ar + p);
                            v0 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b0 + p), v0);
                            v1 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b1 + p), v1);
                            v2 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b2 + p), v2);
                            v3 = Avx512F.FusedMultiplyAdd(x, Vector512.Load(b3 + p), v3);
                        }
                        s0 = Vector512.Sum(v0); s1 = Vector512.Sum(v1); s2 = Vector512.Sum(v2); s3 = Vector512.Sum(v3);
                    }
                    else if (Isa == Isa.Avx2)
                    {
                        Vector256<float> v0 = default, v1 = default, v2 = default, v3 = default;
                        for (; p + 8 <= K; p += 8)
                        {
                            var x = Vector256.Load(ar + p);
                            v0 = Fma.MultiplyAdd(x, Vector256.Load(b0 + p), v0);
                            v1 = Fma.MultiplyAdd(x, Vector256.Load(b1 + p), v1);
                            v2 = Fma.MultiplyAdd(x, Vector256.Load(b2 + p), v2);
                            v3 = Fma.MultiplyAdd(x, Vector256.Load(b3 + p), v3);
                        }
                        s0 = Vector256.Sum(v0); s1 = Vector256.Sum(v1); s2 = Vector256.Sum(v2); s3 = Vector256.Sum(v3);
                    }
                    for (; p < K; p++)
                    {
                        float x = ar[p];
                        s0 += x * b0[p]; s1 += x * b1[p]; s2 += x * b2[p]; s3 += x * b3[p];
                    }
                    float* cr = C + (long)i * N;
                    DotStore(cr, j0, s0);
                    if (cols > 1) DotStore(cr, j0 + 1, s1);
                    if (cols > 2) DotStore(cr, j0 + 2, s2);
                    if (cols > 3) DotStore(cr, j0 + 3, s3);
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private readonly void DotStore(float* cr, int j, float acc)
        {
            float v = acc * Alpha;
            if (Beta != 0) v += Beta * cr[j];
            if (Bias != null) v += Bias[j];
            if (Relu) v = MathF.Max(v, 0f);
            cr[j] = v;
        }

        /// <summary>
        /// C[i0:i1, j0:j1] = Tᵀ (+ bias) (ReLU) (masked), where T (n×m) holds alpha·op(A)·op(B) + beta·C
        /// transposed: 8×8 blocks transposed in registers, scalar at the block's edges.
        /// </summary>
        public readonly void FromTransposed(int i0, int i1, int j0, int j1)
        {
            float* block = stackalloc float[64];
            int i = i0;
            if (Avx.IsSupported)
                for (; i + 8 <= i1; i += 8)
                {
                    int j = j0;
                    for (; j + 8 <= j1; j += 8)
                    {
                        HostTranspose.Block8x8(T + (long)j * M + i, M, block, 8);
                        var b = Bias != null ? Vector256.Load(Bias + j) : Vector256<float>.Zero;
                        for (int r = 0; r < 8; r++)
                        {
                            var v = Vector256.Load(block + r * 8);
                            if (Bias != null) v += b;
                            if (Relu) v = Avx.Max(Vector256<float>.Zero, v);   // NaN stays NaN, as in MathF.Max
                            Vector256.Store(v, C + (long)(i + r) * N + j);
                        }
                    }
                    for (; j < j1; j++)
                        for (int r = i; r < i + 8; r++) FromTransposed(r, j);
                }
            for (; i < i1; i++)
                for (int j = j0; j < j1; j++) FromTransposed(i, j);
            ApplyMask(i0, i1, j0, j1);
        }

        private readonly void FromTransposed(int i, int j)
        {
            float v = T[(long)j * M + i];
            if (Bias != null) v += Bias[j];
            if (Relu) v = MathF.Max(v, 0f);
            C[(long)i * N + j] = v;
        }

        /// <summary>C[i0:i1, j0:j1] over the full K, blocked and packed.</summary>
        public readonly void Block(int i0, int i1, int j0, int j1)
        {
            int nr = NR, ncStep = NC / nr * nr;   // whole panels per column block (504 when 24 wide)
            int ncMax = Math.Min(ncStep, j1 - j0), kcMax = Math.Min(KC, K), mcMax = Math.Min(MC, i1 - i0);
            float* packB = HostScratch.Pinned(ref bufB, (ncMax + nr - 1) / nr * nr * kcMax);
            float* packA = HostScratch.Pinned(ref bufA, (mcMax + MR - 1) / MR * MR * kcMax);
            float* tile = stackalloc float[MR * 32 + 16];
            float* biasTile = stackalloc float[32 + 16];
            tile = (float*)(((nint)tile + 63) & ~(nint)63);
            biasTile = (float*)(((nint)biasTile + 63) & ~(nint)63);
            for (int jc = j0; jc < j1; jc += ncStep)
            {
                int nc = Math.Min(ncStep, j1 - jc);
                for (int pc = 0; pc < K; pc += KC)
                {
                    int kc = Math.Min(KC, K - pc);
                    PackB(packB, pc, kc, jc, nc);
                    var e = new Epilogue
                    {
                        Alpha = Alpha,
                        Beta = pc == 0 ? Beta : 1f,
                        ReadC = pc != 0 || Beta != 0,
                        Last = pc + kc >= K,
                        Relu = Relu && pc + kc >= K,
                    };
                    for (int ic = i0; ic < i1; ic += MC)
                    {
                        int mc = Math.Min(MC, i1 - ic);
                        // Read in place, only a partial last panel (rows past m) is packed, zero-padded.
                        int full = DirectA ? mc / MR * MR : 0;
                        if (full < mc) PackA(packA + (long)full * kc, ic + full, mc - full, pc, kc);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int cols = Math.Min(nr, nc - jr);
                            float* bp = packB + (long)jr * kc;
                            float* biasP = e.Last && Bias != null ? Bias + jc + jr : null;
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int rows = Math.Min(MR, mc - ir);
                                float* cp = C + (long)(ic + ir) * N + jc + jr;
                                var ap = ir < full ? InPlace(ic + ir, pc) : new APanel(packA + (long)ir * kc, 1, MR);
                                if (rows == MR && cols == nr)
                                    Micro(kc, ap, bp, cp, N, biasP, e);
                                else
                                    EdgeTile(kc, ap, bp, cp, rows, cols, biasP, e, tile, biasTile);
                            }
                        }
                    }
                }
            }
        }

        /// <summary>
        /// A partial tile runs the same micro-kernel on a zero-padded copy of its C (and bias)
        /// values, so edge outputs see exactly the arithmetic interior outputs do.
        /// </summary>
        private readonly void EdgeTile(int kc, APanel ap, float* bp, float* cp, int rows, int cols, float* biasP, in Epilogue e, float* tile, float* biasTile)
        {
            int nr = NR;
            new Span<float>(tile, MR * nr).Clear();
            if (e.ReadC)
                for (int r = 0; r < rows; r++)
                    new ReadOnlySpan<float>(cp + (long)r * N, cols).CopyTo(new Span<float>(tile + r * nr, cols));
            float* bt = null;
            if (biasP != null)
            {
                new Span<float>(biasTile, nr).Clear();
                new ReadOnlySpan<float>(biasP, cols).CopyTo(new Span<float>(biasTile, cols));
                bt = biasTile;
            }
            Micro(kc, ap, bp, tile, nr, bt, e);
            for (int r = 0; r < rows; r++)
                new ReadOnlySpan<float>(tile + r * nr, cols).CopyTo(new Span<float>(cp + (long)r * N, cols));
        }

        private readonly void Micro(int kc, APanel ap, float* bp, float* cp, long ldc, float* bias, in Epilogue e)
        {
            switch (Isa)
            {
                case Isa.Avx512: Micro512(kc, ap, bp, cp, ldc, bias, e); break;
                case Isa.Avx2 when NR == 24:
                    // 16 ymm registers hold 12 accumulators, three B vectors and a broadcast: the 8-row
                    // panel runs as two 4-row halves over the same (L1-resident) B panel.
                    Micro256<Three>(kc, ap, 0, bp, cp, ldc, bias, e);
                    Micro256<Three>(kc, ap, 4, bp, cp + 4 * ldc, ldc, bias, e);
                    break;
                case Isa.Avx2:
                    Micro256<Two>(kc, ap, 0, bp, cp, ldc, bias, e);
                    Micro256<Two>(kc, ap, 4, bp, cp + 4 * ldc, ldc, bias, e);
                    break;
                default: MicroScalar(kc, ap.A, bp, cp, ldc, bias, e); break;   // packed panels only
            }
        }

        /// <summary>op(A)[row0.., pc..] where it lies (A m×k, rows K apart). A stored transposed is packed: its copy is cheap.</summary>
        private readonly APanel InPlace(int row0, int pc) => new(A + (long)row0 * K + pc, K, 1);

        /// <summary>
        /// Packs op(A)[ic:ic+mc, pc:pc+kc] as MR-row panels: panel q holds, for each p, the MR
        /// values of rows ic+q·MR.. at column pc+p (rows past m are zero).
        /// </summary>
        private readonly void PackA(float* dst, int ic, int mc, int pc, int kc)
        {
            for (int q = 0; q * MR < mc; q++)
            {
                int r0 = ic + q * MR, rows = Math.Min(MR, mc - q * MR);
                float* d = dst + (long)q * MR * kc;
                if (TransA)
                {
                    // A is k×m: row p of the stored matrix holds column p of op(A).
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = A + (long)(pc + p) * M + r0;
                        if (rows == MR) Vector256.Store(Vector256.Load(s), d + p * MR);
                        else
                            for (int r = 0; r < MR; r++) d[p * MR + r] = r < rows ? s[r] : 0f;
                    }
                }
                else
                {
                    // A is m×k: transpose 8×8 blocks into the panel.
                    float* s = A + (long)r0 * K + pc;
                    int p = 0;
                    if (rows == MR && Avx.IsSupported)
                        for (; p + 8 <= kc; p += 8)
                            HostTranspose.Block8x8(s + p, K, d + p * MR, MR);
                    for (; p < kc; p++)
                        for (int r = 0; r < MR; r++) d[p * MR + r] = r < rows ? s[(long)r * K + p] : 0f;
                }
            }
        }

        /// <summary>
        /// Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-column panels: panel q holds, for each p, the NR
        /// values of row pc+p at columns jc+q·NR.. (columns past n are zero).
        /// </summary>
        private readonly void PackB(float* dst, int pc, int kc, int jc, int nc)
        {
            int nr = NR;
            for (int q = 0; q * nr < nc; q++)
            {
                int c0 = jc + q * nr, cols = Math.Min(nr, nc - q * nr);
                float* d = dst + (long)q * nr * kc;
                if (!TransB)
                {
                    // B is k×n: each row of the panel is a contiguous run of B.
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = B + (long)(pc + p) * N + c0;
                        float* o = d + p * nr;
                        if (cols == nr)
                            for (int j = 0; j < nr; j += 8) Vector256.Store(Vector256.Load(s + j), o + j);
                        else
                            for (int j = 0; j < nr; j++) o[j] = j < cols ? s[j] : 0f;
                    }
                }
                else
                {
                    // B is n×k: transpose 8×8 blocks (8 columns of op(B) by 8 values of p).
                    for (int g = 0; g < nr; g += 8)
                    {
                        int gc = Math.Min(8, cols - g);
                        float* s = B + (long)(c0 + g) * K + pc;
                        int p = 0;
                        if (gc == 8 && Avx.IsSupported)
                            for (; p + 8 <= kc; p += 8)
                                HostTranspose.Block8x8(s + p, K, d + p * nr + g, nr);
                        for (; p < kc; p++)
                            for (int j = 0; j < 8; j++) d[p * nr + g + j] = j < gc ? s[(long)j * K + p] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>An 8-row panel of op(A): value (r, p) at A[r·RowStride + p·DepthStride]. Packed panels are (1, MR).</summary>
    private readonly struct APanel(float* a, long rowStride, long depthStride)
    {
        public readonly float* A = a;
        public readonly long RowStride = rowStride, DepthStride = depthStride;
    }

    /// <summary>What a micro-kernel does with its accumulators: C = alpha·acc (+ beta·C) (+ bias) (ReLU).</summary>
    private struct Epilogue
    {
        public float Alpha, Beta;
        public bool ReadC, Last, Relu;
    }

    // ---------------------------------------------------------------- AVX-512: 8 rows × 32 columns

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro512(int kc, APanel panel, float* b, float* c, long ldc, float* bias, in Epilogue e)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default,
            c20 = default, c21 = default, c30 = default, c31 = default,
            c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        // Row r's value at depth p is ar[p·DepthStride]: a packed panel's rows sit side by side (stride 1,
        // depth MR), a row-major A's rows are K apart (depth 1). Eight row pointers serve both.
        long rs = panel.RowStride, ps = panel.DepthStride;
        float* a0 = panel.A, a1 = a0 + rs, a2 = a0 + 2 * rs, a3 = a0 + 3 * rs, a4 = a0 + 4 * rs, a5 = a0 + 5 * rs, a6 = a0 + 6 * rs, a7 = a0 + 7 * rs;
        for (long o = 0, end = kc * ps; o != end; o += ps)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            var x = Vector512.Create(a0[o]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[o]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[o]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[o]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[o]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[o]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[o]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[o]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71);
            b += 32;
        }
        Vector512<float> bias0 = default, bias1 = default;
        if (bias != null) { bias0 = Vector512.Load(bias); bias1 = Vector512.Load(bias + 16); }
        Store512(c, c00, c01, bias0, bias1, bias != null, e);
        Store512(c + ldc, c10, c11, bias0, bias1, bias != null, e);
        Store512(c + 2 * ldc, c20, c21, bias0, bias1, bias != null, e);
        Store512(c + 3 * ldc, c30, c31, bias0, bias1, bias != null, e);
        Store512(c + 4 * ldc, c40, c41, bias0, bias1, bias != null, e);
        Store512(c + 5 * ldc, c50, c51, bias0, bias1, bias != null, e);
        Store512(c + 6 * ldc, c60, c61, bias0, bias1, bias != null, e);
        Store512(c + 7 * ldc, c70, c71, bias0, bias1, bias != null, e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> bias0, Vector512<float> bias1, bool hasBias, in Epilogue e)
    {
        var alpha = Vector512.Create(e.Alpha);
        x0 *= alpha;
        x1 *= alpha;
        if (e.ReadC)
        {
            var beta = Vector512.Create(e.Beta);
            x0 = Avx512F.FusedMultiplyAdd(Vector512.Load(c), beta, x0);
            x1 = Avx512F.FusedMultiplyAdd(Vector512.Load(c + 16), beta, x1);
        }
        if (hasBias) { x0 += bias0; x1 += bias1; }
        if (e.Relu) { x0 = Avx512F.Max(Vector512<float>.Zero, x0); x1 = Avx512F.Max(Vector512<float>.Zero, x1); }
        Vector512.Store(x0, c);
        Vector512.Store(x1, c + 16);
    }

    // ---------------------------------------------------------------- AVX2 + FMA: 4 rows × 16 or 24 columns (half a panel)

    /// <summary>
    /// Four rows of A against TVectors (2 or 3) B vectors: 8 or 12 ymm accumulators. With three, the
    /// accumulators, the B vectors and a broadcast take all 16 registers; two leave the FMA units
    /// waiting on their 4-cycle latency, so they serve only narrow products (<see cref="PanelWidth"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro256<TVectors>(int kc, APanel panel, int row0, float* b, float* c, long ldc, float* bias, in Epilogue e)
        where TVectors : struct, ITileCount
    {
        bool three = TVectors.Value == 3;
        int nr = 8 * TVectors.Value;
        Vector256<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default,
            c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        long rs = panel.RowStride, ps = panel.DepthStride;
        float* a0 = panel.A + row0 * rs, a1 = a0 + rs, a2 = a0 + 2 * rs, a3 = a0 + 3 * rs;
        for (long o = 0, end = kc * ps; o != end; o += ps)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var b2 = three ? Vector256.Load(b + 16) : default;
            var x = Vector256.Create(a0[o]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01); if (three) c02 = Fma.MultiplyAdd(x, b2, c02);
            x = Vector256.Create(a1[o]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11); if (three) c12 = Fma.MultiplyAdd(x, b2, c12);
            x = Vector256.Create(a2[o]);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21); if (three) c22 = Fma.MultiplyAdd(x, b2, c22);
            x = Vector256.Create(a3[o]);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31); if (three) c32 = Fma.MultiplyAdd(x, b2, c32);
            b += nr;
        }
        bool hasBias = bias != null;
        Vector256<float> bias0 = default, bias1 = default, bias2 = default;
        if (hasBias) { bias0 = Vector256.Load(bias); bias1 = Vector256.Load(bias + 8); if (three) bias2 = Vector256.Load(bias + 16); }
        StoreRow256<TVectors>(c, c00, c01, c02, bias0, bias1, bias2, hasBias, e);
        StoreRow256<TVectors>(c + ldc, c10, c11, c12, bias0, bias1, bias2, hasBias, e);
        StoreRow256<TVectors>(c + 2 * ldc, c20, c21, c22, bias0, bias1, bias2, hasBias, e);
        StoreRow256<TVectors>(c + 3 * ldc, c30, c31, c32, bias0, bias1, bias2, hasBias, e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow256<TVectors>(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> x2,
        Vector256<float> bias0, Vector256<float> bias1, Vector256<float> bias2, bool hasBias, in Epilogue e)
        where TVectors : struct, ITileCount
    {
        Store256(c, x0, bias0, hasBias, e);
        Store256(c + 8, x1, bias1, hasBias, e);
        if (TVectors.Value == 3) Store256(c + 16, x2, bias2, hasBias, e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> x, Vector256<float> biasV, bool hasBias, in Epilogue e)
    {
        x *= Vector256.Create(e.Alpha);
        if (e.ReadC) x = Fma.MultiplyAdd(Vector256.Load(c), Vector256.Create(e.Beta), x);
        if (hasBias) x += biasV;
        if (e.Relu) x = Avx.Max(Vector256<float>.Zero, x);
        Vector256.Store(x, c);
    }

    // ---------------------------------------------------------------- scalar: 8 rows × 8 columns

    private static void MicroScalar(int kc, float* a, float* b, float* c, long ldc, float* bias, in Epilogue e)
    {
        float* acc = stackalloc float[MR * 8];
        for (int i = 0; i < MR * 8; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++, a += MR, b += 8)
            for (int r = 0; r < MR; r++)
            {
                float x = a[r];
                for (int j = 0; j < 8; j++) acc[r * 8 + j] += x * b[j];
            }
        for (int r = 0; r < MR; r++)
            for (int j = 0; j < 8; j++)
            {
                float* o = c + r * ldc + j;
                float v = acc[r * 8 + j] * e.Alpha;
                if (e.ReadC) v += *o * e.Beta;
                if (bias != null) v += bias[j];
                if (e.Relu) v = MathF.Max(v, 0f);
                *o = v;
            }
    }
}
