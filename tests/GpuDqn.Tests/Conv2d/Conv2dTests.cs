using GpuDqn.Engine;
using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Conv2dOp;

/// <summary>Argument checks of Conv2d (each names the bad tensor) and its accumulate/determinism contract.</summary>
public class Conv2dTests
{
    private static Tensor<float> Rand(Device d, int seed, params int[] shape) =>
        d.FromArray(GpuDqn.SelfTest.Reference.Uniform(new Random(seed), Shape.Count(shape)), shape);

    [Theory]
    [InlineData(84, 8, 4, 0, 20)]
    [InlineData(20, 4, 2, 0, 9)]
    [InlineData(9, 3, 1, 0, 7)]
    [InlineData(10, 3, 1, 1, 10)]
    [InlineData(11, 4, 2, 2, 6)]
    [InlineData(5, 5, 3, 0, 1)]
    public void OutputSize_follows_the_formula(int input, int kernel, int stride, int pad, int expected) =>
        Assert.Equal(expected, Conv2d.OutputSize(input, kernel, stride, pad));

    [Fact]
    public void OutputSize_rejects_bad_arguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.OutputSize(10, 3, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.OutputSize(10, 3, 1, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.OutputSize(10, 0, 1, 0));
        var e = Assert.Throws<ArgumentException>(() => Conv2d.OutputSize(2, 5, 1, 1));
        Assert.Contains("smaller than the kernel", e.Message);
    }

    [Fact]
    public void Forward_names_the_tensor_with_the_wrong_shape()
    {
        var d = TestDevices.Get("cpu");
        var x = d.Zeros<float>(2, 3, 11, 9);
        var w = d.Zeros<float>(5, 3, 3, 3);
        var y = d.Zeros<float>(2, 5, 9, 7);
        var b = d.Zeros<float>(5);
        Conv2d.Forward(x, w, b, y, 1, 0); // the right shapes pass

        AssertNames("y", () => Conv2d.Forward(x, w, b, d.Zeros<float>(2, 5, 9, 8), 1, 0));
        AssertNames("y", () => Conv2d.Forward(x, w, b, d.Zeros<float>(2, 5, 63), 1, 0));
        AssertNames("w", () => Conv2d.Forward(x, d.Zeros<float>(5, 4, 3, 3), b, y, 1, 0));
        AssertNames("w", () => Conv2d.Forward(x, d.Zeros<float>(5, 27), b, y, 1, 0));
        AssertNames("x", () => Conv2d.Forward(d.Zeros<float>(2, 3, 99), w, b, y, 1, 0));
        AssertNames("b", () => Conv2d.Forward(x, w, d.Zeros<float>(4), y, 1, 0));
        AssertNames("x", () => Conv2d.Forward(d.Zeros<float>(2, 3, 2, 9), w, b, d.Zeros<float>(2, 5, 0, 7), 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.Forward(x, w, b, y, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.Forward(x, w, b, y, 1, -1));
    }

    [Fact]
    public void Backward_names_the_tensor_with_the_wrong_shape()
    {
        var d = TestDevices.Get("cpu");
        var x = d.Zeros<float>(2, 3, 11, 9);
        var w = d.Zeros<float>(5, 3, 3, 3);
        var dy = d.Zeros<float>(2, 5, 5, 4);
        var dx = d.Zeros<float>(2, 3, 11, 9);
        var dw = d.Zeros<float>(5, 3, 3, 3);
        var db = d.Zeros<float>(5);
        Conv2d.Backward(x, w, dy, dx, dw, db, 2, 0); // the right shapes pass
        Conv2d.Backward(x, w, dy, null, dw, null, 2, 0);

        AssertNames("dy", () => Conv2d.Backward(x, w, d.Zeros<float>(2, 5, 9, 7), dx, dw, db, 2, 0));
        AssertNames("dx", () => Conv2d.Backward(x, w, dy, d.Zeros<float>(2, 3, 9, 11), dw, db, 2, 0));
        AssertNames("dw", () => Conv2d.Backward(x, w, dy, dx, d.Zeros<float>(5, 3, 3, 4), db, 2, 0));
        AssertNames("db", () => Conv2d.Backward(x, w, dy, dx, dw, d.Zeros<float>(6), 2, 0));
        AssertNames("w", () => Conv2d.Backward(x, d.Zeros<float>(5, 2, 3, 3), dy, dx, dw, db, 2, 0));
    }

    [Fact]
    public void Tensors_on_different_devices_are_rejected()
    {
        var cpu = TestDevices.Get("cpu");
        var other = TestDevices.Get("ilgpu-cpu");
        var e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(cpu.Zeros<float>(1, 1, 3, 3), other.Zeros<float>(1, 1, 3, 3), null, cpu.Zeros<float>(1, 1, 1, 1), 1, 0));
        Assert.Contains("different devices", e.Message);
    }

    private static void AssertNames(string name, Action act)
    {
        var e = Assert.ThrowsAny<ArgumentException>(act);
        Assert.StartsWith(name + " ", e.Message);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Backward_accumulates_and_repeats_exactly(string id)
    {
        var d = TestDevices.Get(id);
        int seed = TestDevices.NewSeed();
        var x = Rand(d, seed, 2, 3, 7, 8);
        var w = Rand(d, seed + 1, 5, 3, 3, 3);
        var dy = Rand(d, seed + 2, 2, 5, 5, 6);
        (float[] Dx, float[] Dw, float[] Db) Run(int times)
        {
            var dx = d.Zeros<float>(2, 3, 7, 8);
            var dw = d.Zeros<float>(5, 3, 3, 3);
            var db = d.Zeros<float>(5);
            for (int i = 0; i < times; i++) Conv2d.Backward(x, w, dy, dx, dw, db, 1, 0);
            return (dx.ToArray(), dw.ToArray(), db.ToArray());
        }
        var once = Run(1);
        Assert.Contains(once.Dw, v => v != 0);
        Assert.Contains(once.Dx, v => v != 0);
        // Same inputs, same device: the same bits.
        var again = Run(1);
        Assert.Equal(once.Dx, again.Dx);
        Assert.Equal(once.Dw, again.Dw);
        Assert.Equal(once.Db, again.Db);
        // A second call adds the same gradients again (+=, not =).
        var twice = Run(2);
        AssertClose(once.Dx.Select(v => 2 * v).ToArray(), twice.Dx);
        AssertClose(once.Dw.Select(v => 2 * v).ToArray(), twice.Dw);
        AssertClose(once.Db.Select(v => 2 * v).ToArray(), twice.Db);
    }

    private static void AssertClose(float[] want, float[] got)
    {
        float scale = want.Max(MathF.Abs);
        for (int i = 0; i < want.Length; i++)
            Assert.True(MathF.Abs(want[i] - got[i]) <= 1e-5f * scale, $"element {i}: {got[i]} vs {want[i]}");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Forward_is_deterministic_and_overwrites_y(string id)
    {
        var d = TestDevices.Get(id);
        int seed = TestDevices.NewSeed();
        var x = Rand(d, seed, 2, 3, 11, 9);
        var w = Rand(d, seed + 1, 5, 3, 4, 4);
        var y = Rand(d, seed + 2, 2, 5, 5, 4);
        Conv2d.Forward(x, w, null, y, 2, 1);
        var first = y.ToArray();
        Conv2d.Forward(x, w, null, y, 2, 1);
        Assert.Equal(first, y.ToArray());
    }

    /// <summary>The Nature-DQN stack at full size (84x84x4, batch 2) against float64 on the host backend.</summary>
    [Theory]
    [InlineData(2, 4, 84, 84, 32, 8, 8, 4, 0)]
    [InlineData(2, 32, 20, 20, 64, 4, 4, 2, 0)]
    [InlineData(2, 64, 9, 9, 64, 3, 3, 1, 0)]
    public void Nature_stack_at_full_size_matches_float64(int n, int c, int h, int w, int k, int r, int s, int stride, int pad)
    {
        var shape = new Conv2dCheck.ConvShape(n, c, h, w, k, r, s, stride, pad);
        var device = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed();
        double fwd = Conv2dCheck.Forward(device, seed, shape, bias: true, relu: true);
        double bwd = Conv2dCheck.Backward(device, seed, shape, withDx: true, withDb: true);
        Assert.True(fwd <= 1e-4, $"forward {shape} (seed {seed}): max rel error {fwd:E2}");
        Assert.True(bwd <= 1e-4, $"backward {shape} (seed {seed}): max rel error {bwd:E2}");
    }

    /// <summary>
    /// Backward on the host at a size that splits the batch over the cores (5 images: an uneven
    /// split, so one worker's dw partial covers more images): twice from the same dw gives the
    /// same bits, and the accumulation into dw, dx and db matches running it on zeroed tensors
    /// plus the starting values.
    /// </summary>
    [Fact]
    public void Host_backward_split_over_cores_is_deterministic_and_accumulates()
    {
        var d = TestDevices.Get("cpu");
        int seed = TestDevices.NewSeed();
        var x = Rand(d, seed, 5, 32, 20, 20);
        var w = Rand(d, seed + 1, 64, 32, 4, 4);
        var dy = Rand(d, seed + 2, 5, 64, 9, 9);
        var dw0 = Rand(d, seed + 3, 64, 32, 4, 4).ToArray();
        var dx0 = Rand(d, seed + 4, 5, 32, 20, 20).ToArray();
        float[][] Run(bool fromZero)
        {
            var dw = fromZero ? d.Zeros<float>(64, 32, 4, 4) : d.FromArray(dw0, 64, 32, 4, 4);
            var dx = fromZero ? d.Zeros<float>(5, 32, 20, 20) : d.FromArray(dx0, 5, 32, 20, 20);
            var db = d.Zeros<float>(64);
            Conv2d.Backward(x, w, dy, dx, dw, db, 2, 0);
            return [dw.ToArray(), dx.ToArray(), db.ToArray()];
        }
        var a = Run(false);
        var b = Run(false);
        for (int i = 0; i < 3; i++) Assert.Equal(a[i], b[i]);
        var z = Run(true);
        AssertClose(z[0].Zip(dw0, (g, s) => g + s).ToArray(), a[0]);
        AssertClose(z[1].Zip(dx0, (g, s) => g + s).ToArray(), a[1]);
    }
}
