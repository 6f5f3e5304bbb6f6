using GpuDqn.Kernels;
using GpuDqn.Tests.Gemm;
using Xunit;

namespace GpuDqn.Tests.Conv2dOp;

/// <summary>
/// The host's direct conv with its AVX2 tiles (6 pixels × 16 channels), forced on an AVX-512
/// machine (on an AVX2 machine they are what the op checks run anyway), against float64: the
/// direct-path shapes of <see cref="Conv2dCheck"/>, partial pixel tiles and 32 + 16 channels included.
/// </summary>
[Collection(nameof(GemmHostIsaCollection))]   // ForceAvx2 and Conv2dHostRows.Disabled are global, like GemmHost.ForceIsa
public class Conv2dDirectTests
{
    public static TheoryData<int> DirectShapes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Conv2dCheck.Shapes.Length; i++)
        {
            var s = Conv2dCheck.Shapes[i];
            if (s.Pad == 0 && s.K % 16 == 0) data.Add(i);
        }
        return data;
    }

    public static TheoryData<int> RowShapes()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Conv2dCheck.Shapes.Length; i++)
        {
            var s = Conv2dCheck.Shapes[i];
            if (s.Pad == 0 && s.Stride == 1 && s.K % 16 == 0 && Conv2dCheck.Out(s.W, s.S, 1, 0) == 8) data.Add(i);
        }
        return data;
    }

    /// <summary>The row tiles (2 rows × 6 channels, vectors over pixels) add each output's taps in the
    /// order the pixel tiles do: the two paths agree bit for bit (the op checks hold both to float64).</summary>
    [Theory, MemberData(nameof(RowShapes))]
    public void Row_tiles_equal_the_pixel_tiles_bit_for_bit(int shapeIndex)
    {
        var s = Conv2dCheck.Shapes[shapeIndex];
        var device = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        int p = Conv2dCheck.Out(s.H, s.R, 1, 0), q = Conv2dCheck.Out(s.W, s.S, 1, 0);
        var x = device.FromArray(GpuDqn.SelfTest.Reference.Uniform(rng, (long)s.N * s.C * s.H * s.W), s.N, s.C, s.H, s.W);
        var w = device.FromArray(GpuDqn.SelfTest.Reference.Uniform(rng, (long)s.K * s.C * s.R * s.S), s.K, s.C, s.R, s.S);
        var b = device.FromArray(GpuDqn.SelfTest.Reference.Uniform(rng, s.K), s.K);
        var y = device.Zeros<float>(s.N, s.K, p, q);
        foreach (bool relu in new[] { false, true })
        {
            GpuDqn.Kernels.Conv2d.Forward(x, w, b, y, 1, 0, relu);
            var rows = y.ToArray();
            Conv2dHostRows.Disabled = true;
            try
            {
                GpuDqn.Kernels.Conv2d.Forward(x, w, b, y, 1, 0, relu);
            }
            finally
            {
                Conv2dHostRows.Disabled = false;
            }
            var pixels = y.ToArray();
            Assert.Contains(rows, v => v != 0f);
            for (int i = 0; i < rows.Length; i++)
                Assert.True(rows[i] == pixels[i], $"{s} relu={relu} (seed {seed}): y[{i}] rows {rows[i]:G9}, pixel tiles {pixels[i]:G9}");
        }
    }

    [Theory, MemberData(nameof(DirectShapes))]
    public void Avx2_tiles_match_float64(int shapeIndex)
    {
        var shape = Conv2dCheck.Shapes[shapeIndex];
        var device = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed();
        Conv2dHostDirect.ForceAvx2 = true;
        try
        {
            double fwd = Conv2dCheck.Forward(device, seed, shape, bias: true, relu: true);
            double bwd = Conv2dCheck.Backward(device, seed, shape, withDx: true, withDb: true);
            Assert.True(fwd <= 1e-4, $"forward {shape} (seed {seed}): max rel error {fwd:E2}");
            Assert.True(bwd <= 1e-4, $"backward {shape} (seed {seed}): max rel error {bwd:E2}");
        }
        finally
        {
            Conv2dHostDirect.ForceAvx2 = false;
        }
    }
}
