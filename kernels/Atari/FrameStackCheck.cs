using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels.Atari;

internal sealed class FrameStackCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (var (n, s, h, w) in new[] { (1, 4, 84, 84), (5, 4, 7, 9), (3, 1, 4, 4), (2, 3, 5, 3) })
        {
            yield return new OpCase("atari.framestack.push", $"[{n},{s},{h},{w}]", (device, seed) => Push(device, seed, n, s, h, w), Tolerance: 0);
            yield return new OpCase("atari.framestack.tofloat", $"[{n},{s},{h},{w}]", (device, seed) =>
            {
                var x = new byte[n * s * h * w];
                new Random(seed).NextBytes(x);
                var y = device.Zeros<float>(n, s, h, w);
                FrameStack.ToFloat(device.FromArray(x, n, s, h, w), y);
                return Reference.MaxRelError(y.ToArray(), x.Select(v => v / 255.0).ToArray());
            }, Tolerance: 1e-6);
        }
    }

    private static double Push(Device device, int seed, int n, int s, int h, int w)
    {
        var rng = new Random(seed);
        int px = h * w;
        var stacks = new byte[n * s * px];
        var frames = new byte[n * px];
        var starts = new byte[n];
        rng.NextBytes(stacks);
        rng.NextBytes(frames);
        for (int i = 0; i < n; i++) starts[i] = (byte)(i % 2 == 0 ? rng.Next(2) : 1 - starts[i - 1]);  // both kinds whenever n > 1
        var ts = device.FromArray(stacks, n, s, h, w);
        FrameStack.Push(ts, device.FromArray(frames, n, h, w), device.FromArray(starts, n));
        var want = new byte[stacks.Length];
        for (int e = 0; e < n; e++)
            for (int slot = 0; slot < s; slot++)
                for (int p = 0; p < px; p++)
                    want[(e * s + slot) * px + p] = slot == s - 1 ? frames[e * px + p]
                        : starts[e] != 0 ? (byte)0 : stacks[(e * s + slot + 1) * px + p];
        return Reference.Mismatch<byte>(ts.ToArray(), want);
    }
}
