using GpuDqn.Kernels;
using GpuDqn.Tests.Gemm;
using Xunit;

namespace GpuDqn.Tests.Conv2dOp;

/// <summary>
/// The host's direct conv with its AVX2 tiles (6 pixels × 16 channels), forced on an AVX-512
/// machine (on an AVX2 machine they are what the op checks run anyway), against float64: the
/// direct-path shapes of <see cref="Conv2dCheck"/>, partial pixel tiles and 32 + 16 channels included.
/// </summary>
[Collection(nameof(GemmHostIsaCollection))]   // ForceAvx2 is global, like GemmHost.ForceIsa
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
