using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class ParamsCheck : IOpChecks
{
    public static readonly int[] Lengths = [1, 7, 1000, 12345, 70001];

    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in Lengths)
        {
            yield return new OpCase("params.copy", $"[{n}]", (device, seed) =>
            {
                var rng = new Random(seed);
                var src = Reference.Uniform(rng, n);
                var dst = device.FromArray(Reference.Uniform(rng, n), n);
                Params.Copy(device.FromArray(src, n), dst);
                return Reference.MaxRelError(dst.ToArray(), Reference.ToDouble(src));
            });
            foreach (float tau in new[] { 0.005f, 1f })
                yield return new OpCase("params.polyak", $"[{n}] tau={tau}", (device, seed) =>
                {
                    var rng = new Random(seed);
                    var src = Reference.Uniform(rng, n);
                    var dst0 = Reference.Uniform(rng, n);
                    var dst = device.FromArray(dst0, n);
                    Params.Polyak(device.FromArray(src, n), dst, tau);
                    var want = new double[n];
                    for (int i = 0; i < n; i++) want[i] = (double)tau * src[i] + (1.0 - tau) * dst0[i];
                    return Reference.MaxRelError(dst.ToArray(), want);
                });
            yield return new OpCase("params.fill", $"[{n}]", (device, seed) =>
            {
                float value = Reference.Uniform(new Random(seed), 1)[0];
                var t = device.FromArray(Reference.Uniform(new Random(seed + 1), n), n);
                Params.Fill(t, value);
                return Reference.MaxRelError(t.ToArray(), Enumerable.Repeat((double)value, n).ToArray());
            });
            yield return new OpCase("params.scale", $"[{n}]", (device, seed) =>
            {
                var rng = new Random(seed);
                var x = Reference.Uniform(rng, n);
                float s = 0.5f + (float)rng.NextDouble();
                var t = device.FromArray(x, n);
                Params.Scale(t, s);
                return Reference.MaxRelError(t.ToArray(), x.Select(v => (double)v * s).ToArray());
            });
            yield return new OpCase("params.axpy", $"[{n}]", (device, seed) =>
            {
                var rng = new Random(seed);
                var x = Reference.Uniform(rng, n);
                var y0 = Reference.Uniform(rng, n);
                float alpha = -0.75f + (float)rng.NextDouble() * 0.1f;
                var y = device.FromArray(y0, n);
                Params.Axpy(alpha, device.FromArray(x, n), y);
                var want = new double[n];
                for (int i = 0; i < n; i++) want[i] = y0[i] + (double)alpha * x[i];
                return Reference.MaxRelError(y.ToArray(), want);
            });
        }
    }
}
