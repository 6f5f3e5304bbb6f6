using GpuDqn.Kernels.Atari;
using Xunit;
using Xunit.Abstractions;

namespace GpuDqn.Tests.Atari;

public class WarpFrameTests(ITestOutputHelper output)
{
    [Fact]
    public void Host_and_ilgpu_give_identical_bytes_within_one_level_of_float64()
    {
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        const int m = 3;
        var raw = new byte[m * 2 * AtariFrame.Bytes];
        rng.NextBytes(raw);
        // Smooth regions too (real screens are mostly flat colour): frame 2 is a few large blocks.
        for (int i = 2 * 2 * AtariFrame.Bytes; i < raw.Length; i++) raw[i] = (byte)((i / 3 / 160 / 30 * 70 + i % 3 * 40) % 256);
        byte[] Run(string id)
        {
            var dev = TestDevices.Get(id);
            var y = dev.Zeros<byte>(m, 84, 84);
            WarpFrame.RunMaxOfPair(dev.FromArray(raw, m, 2, 210, 160, 3), y);
            return y.ToArray();
        }
        var host = Run("cpu");
        Assert.Equal(host, Run("ilgpu-cpu"));
        int maxDiff = 0, differing = 0;
        for (int f = 0; f < m; f++)
        {
            var want = WarpFrameCheck.Reference(raw, f * 2 * AtariFrame.Bytes, (f * 2 + 1) * AtariFrame.Bytes, 210, 160, 84, 84);
            for (int i = 0; i < want.Length; i++)
            {
                int d = (int)Math.Abs(host[f * 7056 + i] - want[i]);
                maxDiff = Math.Max(maxDiff, d);
                differing += d > 0 ? 1 : 0;
            }
        }
        output.WriteLine($"seed {seed}: max |diff| vs float64 = {maxDiff} gray levels, {differing} of {m * 7056} pixels differ");
        Assert.True(maxDiff <= 1, $"seed {seed}: max diff {maxDiff}");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void A_flat_gray_screen_stays_exactly_that_gray(string device)
    {
        var dev = TestDevices.Get(device);
        var raw = new byte[2 * AtariFrame.Bytes];
        raw.AsSpan(0, AtariFrame.Bytes).Fill(77);
        raw.AsSpan(AtariFrame.Bytes).Fill(203);
        var y = dev.Zeros<byte>(2, 84, 84);
        WarpFrame.Run(dev.FromArray(raw, 2, 210, 160, 3), y);
        var got = y.ToArray();
        Assert.All(got.AsSpan(0, 7056).ToArray(), v => Assert.Equal(77, v));
        Assert.All(got.AsSpan(7056).ToArray(), v => Assert.Equal(203, v));
    }

    [Fact]
    public void Bad_shapes_are_rejected()
    {
        var dev = TestDevices.Get("cpu");
        Assert.Contains("no larger than", Assert.Throws<ArgumentException>(() => WarpFrame.Run(dev.Zeros<byte>(1, 10, 10, 3), dev.Zeros<byte>(1, 11, 5))).Message);
        Assert.Contains("RGB", Assert.Throws<ArgumentException>(() => WarpFrame.Run(dev.Zeros<byte>(1, 10, 10, 4), dev.Zeros<byte>(1, 5, 5))).Message);
        Assert.Contains("second dimension must be 2", Assert.Throws<ArgumentException>(() => WarpFrame.RunMaxOfPair(dev.Zeros<byte>(1, 3, 10, 10, 3), dev.Zeros<byte>(1, 5, 5))).Message);
        Assert.Throws<ArgumentException>(() => FrameStack.Push(dev.Zeros<byte>(2, 4, 5, 5), dev.Zeros<byte>(3, 5, 5), dev.Zeros<byte>(2)));
    }
}
