using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class SgdCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in ParamsCheck.Lengths)
            foreach (float momentum in new[] { 0f, 0.9f })
                yield return new OpCase("optim.sgd", $"[{n}]{(momentum != 0 ? " momentum" : "")}", (device, seed) =>
                {
                    var rng = new Random(seed);
                    var p0 = Reference.Uniform(rng, n);
                    var p = device.FromArray(p0, n);
                    var buf = momentum != 0 ? device.Zeros<float>(n) : null;
                    var g = device.Zeros<float>(n);
                    const float lr = 0.05f;
                    var wp = Reference.ToDouble(p0);
                    var wb = new double[n];
                    for (int step = 0; step < 3; step++)
                    {
                        var grad = Reference.Uniform(rng, n);
                        g.Upload(grad);
                        Sgd.Step(p, g, lr, buf, momentum);
                        for (int i = 0; i < n; i++)
                        {
                            wb[i] = momentum * wb[i] + grad[i];
                            wp[i] -= lr * (momentum != 0 ? wb[i] : grad[i]);
                        }
                    }
                    return buf is null
                        ? OptimCheck.StateError(p.ToArray(), p0, wp, lr)
                        : OptimCheck.StateError(p.ToArray(), p0, wp, lr, (buf.ToArray(), wb, 1.0));
                });
    }
}
