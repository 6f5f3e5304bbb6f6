using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class SgdCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in ParamsCheck.Lengths)
            foreach (float momentum in new[] { 0f, 0.9f })
                foreach (bool fused in OptimCheck.FusedLengths.Contains(n) ? new[] { false, true } : [false])
                    yield return new OpCase("optim.sgd", $"[{n}]{(momentum != 0 ? " momentum" : "")}{(fused ? " scaled+zeroed" : "")}", (device, seed) =>
                {
                    var rng = new Random(seed);
                    var p0 = Reference.Uniform(rng, n);
                    var p = device.FromArray(p0, n);
                    var buf = momentum != 0 ? device.Zeros<float>(n) : null;
                    var g = device.Zeros<float>(n);
                    const float lr = 0.05f;
                    var wp = Reference.ToDouble(p0);
                    var wb = new double[n];
                    var (gradStep, factor) = OptimCheck.Fused(device, fused);
                    for (int step = 0; step < 3; step++)
                    {
                        var grad = Reference.Uniform(rng, n);
                        g.Upload(grad);
                        Sgd.Step(p, g, lr, buf, momentum, gradStep);
                        if (!OptimCheck.GradLeftRight(g, grad, fused)) return double.PositiveInfinity;
                        for (int i = 0; i < n; i++)
                        {
                            double gi = grad[i] * factor;
                            wb[i] = momentum * wb[i] + gi;
                            wp[i] -= lr * (momentum != 0 ? wb[i] : gi);
                        }
                    }
                    return buf is null
                        ? OptimCheck.StateError(p.ToArray(), p0, wp, lr)
                        : OptimCheck.StateError(p.ToArray(), p0, wp, lr, (buf.ToArray(), wb, 1.0));
                });
    }
}
