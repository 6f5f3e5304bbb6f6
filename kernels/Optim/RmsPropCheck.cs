using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class RmsPropCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in ParamsCheck.Lengths)
            foreach (bool centered in new[] { false, true })
                foreach (bool inside in new[] { false, true })
                {
                    var cfg = new RmsPropConfig
                    {
                        LearningRate = 0.01f, Alpha = inside ? 0.95f : 0.99f, Epsilon = inside ? 0.01f : 1e-8f,
                        Centered = centered, EpsInsideSqrt = inside, WeightDecay = centered && inside ? 0.01f : 0f,
                    };
                    string variant = $"{(centered ? "centered" : "plain")}{(inside ? " eps-inside" : "")}{(cfg.WeightDecay != 0 ? " +wd" : "")}";
                    yield return new OpCase("optim.rmsprop", $"[{n}] {variant}", (device, seed) => Run(device, seed, n, cfg));
                }
        // The fused form the trainer uses: g scaled by a factor in device memory, then zeroed.
        foreach (int n in OptimCheck.FusedLengths)
            yield return new OpCase("optim.rmsprop", $"[{n}] centered eps-inside scaled+zeroed", (device, seed) =>
                Run(device, seed, n, RmsPropConfig.DqnNature with { LearningRate = 0.01f }, fused: true));
    }

    private static double Run(Device device, int seed, int n, RmsPropConfig cfg, bool fused = false)
    {
        var rng = new Random(seed);
        var p0 = Reference.Uniform(rng, n);
        var p = device.FromArray(p0, n);
        var sq = device.Zeros<float>(n);
        var ga = cfg.Centered ? device.Zeros<float>(n) : null;
        var g = device.Zeros<float>(n);
        var wp = Reference.ToDouble(p0);
        var wsq = new double[n];
        var wga = new double[n];
        double a = cfg.Alpha;
        var (gradStep, factor) = OptimCheck.Fused(device, fused);
        for (int step = 0; step < 3; step++)
        {
            var grad = Reference.Uniform(rng, n);
            g.Upload(grad);
            RmsProp.Step(p, g, sq, ga, cfg, gradStep);
            if (!OptimCheck.GradLeftRight(g, grad, fused)) return double.PositiveInfinity;
            for (int i = 0; i < n; i++)
            {
                double gi = grad[i] * factor + (double)cfg.WeightDecay * wp[i];
                wsq[i] = a * wsq[i] + (1 - a) * gi * gi;
                double avg = wsq[i];
                if (cfg.Centered)
                {
                    wga[i] = a * wga[i] + (1 - a) * gi;
                    avg -= wga[i] * wga[i];
                }
                double denom = cfg.EpsInsideSqrt ? Math.Sqrt(avg + cfg.Epsilon) : Math.Sqrt(avg) + cfg.Epsilon;
                wp[i] -= cfg.LearningRate * gi / denom;
            }
        }
        var states = new List<(float[], double[], double)> { (sq.ToArray(), wsq, 0.01) };
        if (ga is not null) states.Add((ga.ToArray(), wga, 0.01));
        return OptimCheck.StateError(p.ToArray(), p0, wp, cfg.LearningRate, [.. states]);
    }
}
