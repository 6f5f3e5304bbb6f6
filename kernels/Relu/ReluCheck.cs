using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class ReluCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in new[] { 1, 37, 1029, 70001 })
        {
            yield return new OpCase("relu.forward", $"[{n}]", (device, seed) =>
            {
                var x = Reference.Uniform(new Random(seed), n);
                var tx = device.FromArray(x, n);
                var ty = device.Zeros<float>(n);
                Relu.Forward(tx, ty);
                return Reference.MaxRelError(ty.ToArray(), x.Select(v => Math.Max((double)v, 0)).ToArray());
            });
            yield return new OpCase("relu.backward", $"[{n}]", (device, seed) =>
            {
                var rng = new Random(seed);
                var y = Reference.Uniform(rng, n).Select(v => MathF.Max(v, 0)).ToArray();
                var dy = Reference.Uniform(rng, n);
                var dx0 = Reference.Uniform(rng, n);
                var tdx = device.FromArray(dx0, n);
                Relu.Backward(device.FromArray(y, n), device.FromArray(dy, n), tdx);
                var want = new double[n];
                for (int i = 0; i < n; i++) want[i] = dx0[i] + (y[i] > 0 ? dy[i] : 0);
                return Reference.MaxRelError(tdx.ToArray(), want);
            });
            yield return new OpCase("relu.maskgrad", $"[{n}]", (device, seed) =>
            {
                var rng = new Random(seed);
                var y = Reference.Uniform(rng, n).Select(v => MathF.Max(v, 0)).ToArray();
                var g0 = Reference.Uniform(rng, n);
                var tg = device.FromArray(g0, n);
                Relu.MaskGrad(device.FromArray(y, n), tg);
                return Reference.MaxRelError(tg.ToArray(), g0.Select((v, i) => y[i] > 0 ? (double)v : 0).ToArray());
            });
        }
    }
}
