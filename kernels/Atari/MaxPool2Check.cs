using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels.Atari;

internal sealed class MaxPool2Check : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (var shape in new[] { new[] { 1, 210, 160, 3 }, new[] { 2, 7, 5, 3 }, new[] { 1 }, new[] { 3, 33, 17, 3 } })
            yield return new OpCase("atari.maxpool2", Shape.Format(shape), (device, seed) =>
            {
                var rng = new Random(seed);
                int n = (int)Shape.Count(shape);
                var a = new byte[n];
                var b = new byte[n];
                rng.NextBytes(a);
                rng.NextBytes(b);
                var y = device.Zeros<byte>(shape);
                MaxPool2.Run(device.FromArray(a, shape), device.FromArray(b, shape), y);
                var want = new byte[n];
                for (int i = 0; i < n; i++) want[i] = a[i] > b[i] ? a[i] : b[i];
                return Reference.Mismatch<byte>(y.ToArray(), want);
            }, Tolerance: 0);
    }
}
