using GpuDqn.Kernels;
using GpuDqn.SelfTest;
using Xunit;

namespace GpuDqn.Tests.Gemm;

/// <summary>
/// The host GEMM at shapes past its cache blocks (128 rows, 256-deep K, 512 columns) and big
/// enough to run on several threads, for each micro-kernel this machine has; plus determinism:
/// a threaded product equals, bit for bit, the same rows computed one at a time on one thread.
/// (The op checks in kernels/Gemm/GemmCheck.cs cover small shapes on every device.)
/// </summary>
[Collection(nameof(GemmHostIsaCollection))]
public class GemmHostTests
{
    public static TheoryData<string, int, int, int, bool, bool> Cases()
    {
        var data = new TheoryData<string, int, int, int, bool, bool>();
        var isas = new List<GemmHost.Isa> { GemmHost.Isa.Scalar };
        if (GemmHost.Detected >= GemmHost.Isa.Avx2) isas.Add(GemmHost.Isa.Avx2);
        if (GemmHost.Detected >= GemmHost.Isa.Avx512) isas.Add(GemmHost.Isa.Avx512);
        foreach (var isa in isas)
        {
            data.Add(isa.ToString(), 130, 1030, 300, false, false);
            data.Add(isa.ToString(), 257, 70, 513, true, true);
            data.Add(isa.ToString(), 33, 1100, 270, false, true);
            data.Add(isa.ToString(), 140, 45, 40, true, false);
            data.Add(isa.ToString(), 300, 5, 130, false, false);   // few columns: computed transposed
            data.Add(isa.ToString(), 140, 9, 600, true, true);
            data.Add(isa.ToString(), 3000, 7, 400, false, true);    // ... and threaded
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_float64_reference(string isa, int m, int n, int k, bool ta, bool tb)
    {
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        var a = Reference.Uniform(rng, (long)m * k);
        var b = Reference.Uniform(rng, (long)k * n);
        var c = Reference.Uniform(rng, (long)m * n);
        var c0 = (float[])c.Clone();
        var bias = Reference.Uniform(rng, n);
        const float alpha = 0.75f, beta = -0.5f;
        var old = GemmHost.ForceIsa;
        try
        {
            GemmHost.ForceIsa = Enum.Parse<GemmHost.Isa>(isa);
            GemmHost.Run(a, ta, b, tb, c, m, n, k, alpha, beta, bias, true, true);
        }
        finally
        {
            GemmHost.ForceIsa = old;
        }
        var want = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++)
                    acc += (double)a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
                want[i * n + j] = Math.Max(alpha * acc + beta * c0[i * n + j] + bias[j], 0);
            }
        double err = Reference.MaxRelError(c, want);
        Assert.True(err <= 1e-4, $"{isa} {m}x{n}x{k} (seed {seed}): max rel error {err:E2}");
    }

    [Theory]
    [InlineData(64, 2048, 300, false, true)]   // split over columns
    [InlineData(600, 40, 300, true, false)]    // split over rows
    [InlineData(64, 128, 1024, false, true)]   // a dense forward as Cᵀ: the weight read in place, split over its rows
    [InlineData(32, 130, 700, false, true)]    // ... at batch 32, a partial last panel of weight rows
    public void Threaded_result_equals_single_rows_bit_for_bit(int m, int n, int k, bool ta, bool tb)
    {
        Assert.True(2L * m * n * k >= GemmHost.ParallelFlops, "the shape must be big enough to run threaded");
        var rng = new Random(TestDevices.NewSeed());
        var a = Reference.Uniform(rng, (long)m * k);
        var b = Reference.Uniform(rng, (long)k * n);
        var bias = Reference.Uniform(rng, n);
        var c = new float[m * n];
        GemmHost.Run(a, ta, b, tb, c, m, n, k, 1.5f, 0f, bias, true, false);
        var again = new float[m * n];
        GemmHost.Run(a, ta, b, tb, again, m, n, k, 1.5f, 0f, bias, true, false);
        Assert.Equal(c, again);
        var row = new float[k];
        var one = new float[n];
        for (int i = 0; i < m; i += 37)
        {
            for (int p = 0; p < k; p++) row[p] = a[ta ? p * m + i : i * k + p];
            // A 1×k row stored as k×1 (transposed) keeps the single-row product on the packed
            // path (an untransposed row times Bᵀ would take the dot-product path).
            GemmHost.Run(row, true, b, tb, one, 1, n, k, 1.5f, 0f, bias, true, false);
            Assert.Equal(one, c.AsSpan(i * n, n).ToArray());
        }
    }

    [Theory]
    [InlineData(64, 128, 1024, false, true, 0f, true)]    // a dense forward at batch 64: computed as Cᵀ, the weight read in place
    [InlineData(37, 150, 300, false, true, -0.5f, true)]  // ... with a partial row panel, two K slices and C read
    [InlineData(32, 130, 257, false, false, -0.5f, true)] // A in place; Cᵀ would copy B and transpose C twice: not taken
    [InlineData(20, 90, 513, false, false, 0.25f, false)] // A read in place, B packed as stored
    [InlineData(21, 300, 130, false, false, 0.5f, true)]  // ... into 24-wide AVX2 panels (n ≥ 256), a partial last one
    [InlineData(45, 300, 70, true, false, 1f, false)]     // Aᵀ: packed
    public void In_place_and_transposed_paths_equal_the_packed_path_bit_for_bit(int m, int n, int k, bool ta, bool tb, float beta, bool relu)
    {
        var rng = new Random(TestDevices.NewSeed());
        var a = Reference.Uniform(rng, (long)m * k);
        var b = Reference.Uniform(rng, (long)k * n);
        var c0 = Reference.Uniform(rng, (long)m * n);
        var bias = Reference.Uniform(rng, n);
        // Every SIMD micro-kernel this machine runs (AVX2 8×16 and 8×24 halves, AVX-512 8×32).
        foreach (var isa in new[] { GemmHost.Isa.Avx2, GemmHost.Isa.Avx512 }.Where(i => i <= GemmHost.Detected))
        {
            var old = GemmHost.ForceIsa;
            GemmHost.ForceIsa = isa;
            try
            {
                var packed = (float[])c0.Clone();
                GemmHost.ForcePacked = true;
                GemmHost.Run(a, ta, b, tb, packed, m, n, k, 0.75f, beta, bias, true, relu);
                GemmHost.ForcePacked = false;
                var inPlace = (float[])c0.Clone();
                GemmHost.Run(a, ta, b, tb, inPlace, m, n, k, 0.75f, beta, bias, true, relu);
                Assert.Equal(packed, inPlace);
            }
            finally
            {
                GemmHost.ForcePacked = false;
                GemmHost.ForceIsa = old;
            }
        }
    }

    [Theory]
    [InlineData(32, 1024, 128, false, false, 0f)]   // MinAtar fc1's input gradient: threaded over columns, masked per block
    [InlineData(64, 128, 1024, false, true, 0f)]    // a forward as Cᵀ: written back (and masked) per block of Cᵀ
    [InlineData(600, 40, 300, true, false, 1f)]     // threaded over rows, C read
    [InlineData(70, 3, 300, false, true, 0.5f)]     // dot products
    [InlineData(33, 17, 65, false, false, 0f)]      // one thread
    [InlineData(5, 9, 0, false, false, 0.5f)]       // zero depth
    public void Relu_mask_equals_the_product_then_the_mask_bit_for_bit(int m, int n, int k, bool ta, bool tb, float beta)
    {
        var rng = new Random(TestDevices.NewSeed());
        var a = Reference.Uniform(rng, (long)m * k);
        var b = Reference.Uniform(rng, (long)k * n);
        var c0 = Reference.Uniform(rng, (long)m * n);
        // About half the mask is ≤ 0; exact zeros and NaN must zero the output as well (Relu.MaskGrad's rule).
        var mask = Reference.Uniform(rng, (long)m * n);
        for (int i = 0; i < mask.Length; i += 11) mask[i] = i % 2 == 0 ? 0f : float.NaN;
        var plain = (float[])c0.Clone();
        GemmHost.Run(a, ta, b, tb, plain, m, n, k, 0.75f, beta, [], false, false);
        var masked = (float[])c0.Clone();
        GemmHost.Run(a, ta, b, tb, masked, m, n, k, 0.75f, beta, [], false, false, reluMask: mask);
        int zeroed = 0;
        for (int i = 0; i < plain.Length; i++)
        {
            float want = mask[i] > 0f ? plain[i] : 0f;
            Assert.True(masked[i].Equals(want), $"{m}x{n}x{k} [{i}]: mask {mask[i]}, got {masked[i]:G9}, want {want:G9}");
            if (!(mask[i] > 0f) && plain[i] != 0f) zeroed++;
        }
        Assert.True(zeroed > plain.Length / 4, $"only {zeroed} of {plain.Length} outputs were zeroed by the mask");
    }

    [Fact]
    public void Zero_depth_scales_c_and_adds_bias()
    {
        var c = new[] { 1f, -2f, 3f, float.NaN };
        GemmHost.Run([], false, [], false, c, 2, 2, 0, 1f, 0.5f, [10f, -10f], true, true);
        Assert.Equal(new[] { 10.5f, 0f, 11.5f, float.NaN }, c);
        var d = new[] { float.NaN, 5f };
        GemmHost.Run([], false, [], false, d, 1, 2, 0, 1f, 0f, default, false, false);
        Assert.Equal(new[] { 0f, 0f }, d);   // beta 0 ignores C, NaN included
    }
}

/// <summary><see cref="GemmHost.ForceIsa"/> is global: these tests must not overlap others using the host GEMM.</summary>
[CollectionDefinition(nameof(GemmHostIsaCollection), DisableParallelization = true)]
public class GemmHostIsaCollection;
