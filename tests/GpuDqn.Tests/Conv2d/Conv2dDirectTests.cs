using GpuDqn.Engine;
using GpuDqn.Kernels;
using GpuDqn.Tests.Gemm;
using Xunit;

namespace GpuDqn.Tests.Conv2dOp;

/// <summary>
/// The host's direct conv with its AVX2 tiles (6 pixels × 16 channels), forced on an AVX-512
/// machine (on an AVX2 machine they are what the op checks run anyway), against float64 and against
/// each other: the direct-path shapes of <see cref="Conv2dCheck"/>, partial pixel tiles and 32 + 16 channels included.
/// </summary>
[Collection(nameof(GemmHostIsaCollection))]   // ForceAvx2 and Conv2dHostRows.Disabled are global, like GemmHost.ForceIsa
public class Conv2dDirectTests
{
    /// <summary>The indices of <see cref="Conv2dCheck.Shapes"/> a host path takes.</summary>
    private static TheoryData<int> ShapesWhere(Func<Conv2dCheck.ConvShape, bool> takes)
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Conv2dCheck.Shapes.Length; i++)
            if (takes(Conv2dCheck.Shapes[i])) data.Add(i);
        return data;
    }

    /// <summary>Random x, w and b of a shape, and a y to write (the seed in the tests' messages).</summary>
    private static (Tensor<float> X, Tensor<float> W, Tensor<float> B, Tensor<float> Y) RandomConv(Device device, Conv2dCheck.ConvShape s, int seed)
    {
        var rng = new Random(seed);
        int p = Conv2dCheck.Out(s.H, s.R, s.Stride, 0), q = Conv2dCheck.Out(s.W, s.S, s.Stride, 0);
        var x = device.FromArray(GpuDqn.SelfTest.Reference.Uniform(rng, (long)s.N * s.C * s.H * s.W), s.N, s.C, s.H, s.W);
        var w = device.FromArray(GpuDqn.SelfTest.Reference.Uniform(rng, (long)s.K * s.C * s.R * s.S), s.K, s.C, s.R, s.S);
        var b = device.FromArray(GpuDqn.SelfTest.Reference.Uniform(rng, s.K), s.K);
        return (x, w, b, device.Zeros<float>(s.N, s.K, p, q));
    }

    public static TheoryData<int> DirectShapes() => ShapesWhere(s => s.Pad == 0 && s.K % 16 == 0);

    public static TheoryData<int> InputGradShapes() => ShapesWhere(s => s.Pad == 0 && s.C % 16 == 0);

    /// <summary>The direct input gradient (<see cref="Conv2dHostInputGrad"/>: classes of input pixels by
    /// stride, some without taps) with the AVX2 tiles, and with the dcol + col2im path it replaces, against float64.</summary>
    [Theory, MemberData(nameof(InputGradShapes))]
    public void Input_gradient_both_ways_matches_float64(int shapeIndex)
    {
        var shape = Conv2dCheck.Shapes[shapeIndex];
        var device = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed();
        Assert.True(Conv2dHostInputGrad.Supports(new Conv2dDims(1, shape.C, shape.H, shape.W, shape.K, shape.R, shape.S,
            Conv2dCheck.Out(shape.H, shape.R, shape.Stride, 0), Conv2dCheck.Out(shape.W, shape.S, shape.Stride, 0), shape.Stride, 0, 0, 0)));
        Conv2dHostDirect.ForceAvx2 = true;
        try
        {
            double direct = Conv2dCheck.Backward(device, seed, shape, withDx: true, withDb: false);
            Conv2dHostInputGrad.Disabled = true;
            double col = Conv2dCheck.Backward(device, seed, shape, withDx: true, withDb: false);
            Assert.True(direct <= 1e-4, $"direct dx {shape} (seed {seed}): max rel error {direct:E2}");
            Assert.True(col <= 1e-4, $"dcol dx {shape} (seed {seed}): max rel error {col:E2}");
        }
        finally
        {
            Conv2dHostDirect.ForceAvx2 = false;
            Conv2dHostInputGrad.Disabled = false;
        }
    }

    public static TheoryData<int> RowShapes() => ShapesWhere(s => s.Pad == 0 && s.Stride == 1 && s.K % 16 == 0 && Conv2dCheck.Out(s.W, s.S, 1, 0) == 8);

    /// <summary>The row tiles (2 rows × 6 channels, vectors over pixels) add each output's taps in the
    /// order the pixel tiles do: the two paths agree bit for bit (the op checks hold both to float64).</summary>
    [Theory, MemberData(nameof(RowShapes))]
    public void Row_tiles_equal_the_pixel_tiles_bit_for_bit(int shapeIndex)
    {
        var s = Conv2dCheck.Shapes[shapeIndex];
        var device = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed();
        var (x, w, b, y) = RandomConv(device, s, seed);
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

    /// <summary>The AVX2 forward by 16-channel panels and blocks of taps carries each output's sum from
    /// block to block in tap order: it equals the tile-by-tile forward bit for bit (shapes over 256 taps
    /// included, which take more than one block).</summary>
    [Theory, MemberData(nameof(DirectShapes))]
    public void Panel_forward_equals_the_tile_forward_bit_for_bit(int shapeIndex)
    {
        var s = Conv2dCheck.Shapes[shapeIndex];
        var device = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed();
        var (x, w, b, y) = RandomConv(device, s, seed);
        Conv2dHostDirect.ForceAvx2 = true;
        Conv2dHostRows.Disabled = true;
        try
        {
            GpuDqn.Kernels.Conv2d.Forward(x, w, b, y, s.Stride, 0, relu: true);
            var panels = y.ToArray();
            Conv2dHostDirect.PanelsDisabled = true;
            GpuDqn.Kernels.Conv2d.Forward(x, w, b, y, s.Stride, 0, relu: true);
            var tiles = y.ToArray();
            Assert.Contains(panels, v => v != 0f);
            for (int i = 0; i < panels.Length; i++)
                Assert.True(panels[i] == tiles[i], $"{s} (seed {seed}): y[{i}] panels {panels[i]:G9}, tiles {tiles[i]:G9}");
        }
        finally
        {
            Conv2dHostDirect.ForceAvx2 = false;
            Conv2dHostRows.Disabled = false;
            Conv2dHostDirect.PanelsDisabled = false;
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
