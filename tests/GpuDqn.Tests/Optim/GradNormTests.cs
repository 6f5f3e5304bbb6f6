using GpuDqn.Kernels;
using GpuDqn.SelfTest;
using Xunit;

namespace GpuDqn.Tests.Optim;

public class GradNormTests
{
    private static double Norm(float[] x)
    {
        double s = 0;
        foreach (float v in x) s += (double)v * v;
        return Math.Sqrt(s);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Clip_is_bitwise_deterministic(string device)
    {
        var d = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        var x = Reference.Uniform(new Random(seed), 70001);
        float maxNorm = (float)(Norm(x) / 2);  // clips
        var results = new List<(float[] grad, float norm)>();
        for (int rep = 0; rep < 2; rep++)
        {
            var g = d.FromArray(x, x.Length);
            var scratch = d.Zeros<float>(GradNorm.ScratchLength);
            var norm = GradNorm.Clip(g, maxNorm, scratch);
            results.Add((g.ToArray(), norm.ToArray()[0]));
        }
        Assert.True(ReduceCheck.Bitwise(results[0].grad, results[1].grad), $"clipped gradients differ between runs (seed {seed})");
        Assert.Equal(BitConverter.SingleToInt32Bits(results[0].norm), BitConverter.SingleToInt32Bits(results[1].norm));
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Small_gradients_are_left_unchanged(string device)
    {
        var d = TestDevices.Get(device);
        float[] x = [0.3f, -0.4f, 0f];  // ‖x‖ = √(0.09 + 0.16) = 0.5 < 1
        var g = d.FromArray(x, 3);
        var norm = GradNorm.Clip(g, 1f, d.Zeros<float>(GradNorm.ScratchLength));
        Assert.True(ReduceCheck.Bitwise(x, g.ToArray()), "a gradient under the max norm must not change");
        Assert.Equal(0.5, norm.ToArray()[0], 6);
        Assert.Equal([1], norm.Shape);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Large_gradients_are_scaled_to_the_max_norm(string device)
    {
        var d = TestDevices.Get(device);
        var g = d.FromArray([30f, -40f, 0f], 3);  // ‖g‖ = 50
        var norm = GradNorm.Clip(g, 10f, d.Zeros<float>(GradNorm.ScratchLength));
        Assert.Equal(50.0, norm.ToArray()[0], 4);  // the norm before clipping
        var got = g.ToArray();
        // scale = 10 / (50 + 1e-6) = 0.2 (to 8 digits): [6, -8, 0]
        Assert.Equal(6.0, got[0], 5);
        Assert.Equal(-8.0, got[1], 5);
        Assert.Equal(0f, got[2]);

        int seed = TestDevices.NewSeed();
        var x = Reference.Uniform(new Random(seed), 12345, 3f);
        var big = d.FromArray(x, x.Length);
        float before = GradNorm.Clip(big, 2.5f, d.Zeros<float>(GradNorm.ScratchLength)).ToArray()[0];
        Assert.True(Math.Abs(before - Norm(x)) <= 1e-5 * Norm(x), $"norm {before} vs float64 {Norm(x)} (seed {seed})");
        double after = Norm(big.ToArray());
        Assert.True(Math.Abs(after - 2.5) <= 1e-5, $"norm after clipping {after}, expected 2.5 (seed {seed})");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Norm_alone_leaves_the_gradient_unchanged(string device)
    {
        var d = TestDevices.Get(device);
        float[] x = [3f, 4f, 12f];  // √(9 + 16 + 144) = 13
        var g = d.FromArray(x, 3);
        Assert.Equal(13.0, GradNorm.Norm(g, d.Zeros<float>(GradNorm.ScratchLength)).ToArray()[0], 5);
        Assert.True(ReduceCheck.Bitwise(x, g.ToArray()));
    }

    [Fact]
    public void A_short_scratch_is_refused()
    {
        var d = TestDevices.Get("cpu");
        var ex = Assert.Throws<ArgumentException>(() => GradNorm.Clip(d.Zeros<float>(10), 1f, d.Zeros<float>(2)));
        Assert.Equal("scratch", ex.ParamName);
        Assert.Equal("maxNorm", Assert.Throws<ArgumentOutOfRangeException>(() => GradNorm.Clip(d.Zeros<float>(10), 0f, d.Zeros<float>(GradNorm.ScratchLength))).ParamName);
    }
}
