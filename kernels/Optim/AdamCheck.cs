using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class AdamCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in ParamsCheck.Lengths)
        {
            // Three steps from zero state (bias corrections at t = 1, 2, 3) ...
            yield return new OpCase("optim.adam", $"[{n}] t=1..3", (device, seed) =>
                Run(device, seed, n, new AdamConfig { LearningRate = 0.01f }, firstStep: 1, steps: 3, randomState: false));
            // ... and two steps later in training, from a random state, with weight decay.
            yield return new OpCase("optim.adam", $"[{n}] t=10..11 +wd", (device, seed) =>
                Run(device, seed, n, new AdamConfig { LearningRate = 0.02f, Beta1 = 0.8f, Beta2 = 0.99f, Epsilon = 1e-6f, WeightDecay = 0.01f },
                    firstStep: 10, steps: 2, randomState: true));
        }
        // The fused form the trainer uses: g scaled by a factor in device memory, then zeroed.
        foreach (int n in OptimCheck.FusedLengths)
            yield return new OpCase("optim.adam", $"[{n}] t=1..3 scaled+zeroed", (device, seed) =>
                Run(device, seed, n, new AdamConfig { LearningRate = 0.01f }, firstStep: 1, steps: 3, randomState: true, fused: true));
    }

    private static double Run(Device device, int seed, int n, AdamConfig cfg, int firstStep, int steps, bool randomState, bool fused = false)
    {
        var rng = new Random(seed);
        var p0 = Reference.Uniform(rng, n);
        var m0 = randomState ? Reference.Uniform(rng, n, 0.1f) : new float[n];
        var v0 = randomState ? Reference.Uniform(rng, n, 0.1f).Select(MathF.Abs).ToArray() : new float[n];
        var p = device.FromArray(p0, n);
        var m = device.FromArray(m0, n);
        var v = device.FromArray(v0, n);
        var g = device.Zeros<float>(n);
        var wp = Reference.ToDouble(p0);
        var wm = Reference.ToDouble(m0);
        var wv = Reference.ToDouble(v0);
        var (gradStep, factor) = OptimCheck.Fused(device, fused);
        for (int t = firstStep; t < firstStep + steps; t++)
        {
            var grad = Reference.Uniform(rng, n);
            g.Upload(grad);
            Adam.Step(p, g, m, v, cfg, t, gradStep);
            if (!OptimCheck.GradLeftRight(g, grad, fused)) return double.PositiveInfinity;
            double b1 = cfg.Beta1, b2 = cfg.Beta2, bc1 = 1 - Math.Pow(b1, t), bc2 = 1 - Math.Pow(b2, t);
            for (int i = 0; i < n; i++)
            {
                double gi = grad[i] * factor + (double)cfg.WeightDecay * wp[i];
                wm[i] = b1 * wm[i] + (1 - b1) * gi;
                wv[i] = b2 * wv[i] + (1 - b2) * gi * gi;
                wp[i] -= cfg.LearningRate * (wm[i] / bc1) / (Math.Sqrt(wv[i] / bc2) + cfg.Epsilon);
            }
        }
        return OptimCheck.StateError(p.ToArray(), p0, wp, cfg.LearningRate, (m.ToArray(), wm, 0.1), (v.ToArray(), wv, 0.01));
    }
}

/// <summary>Error measures shared by the optimiser checks.</summary>
internal static class OptimCheck
{
    /// <summary>Lengths for the fused (scaled and zeroed gradient) cases: a vector tail, and one long enough to split over cores.</summary>
    public static readonly int[] FusedLengths = [7, 70001];

    /// <summary>The fused cases' gradient treatment: scale by a factor held in device memory and zero after use.</summary>
    public static (GradStep Step, double Factor) Fused(Device device, bool fused)
    {
        if (!fused) return (default, 1.0);
        const float factor = 0.37f;
        return (new GradStep { Scale = device.FromArray([factor], 1), ZeroGrad = true }, factor);
    }

    /// <summary>After a step the gradient must be zero when fused, untouched otherwise.</summary>
    public static bool GradLeftRight(Tensor<float> g, float[] grad, bool fused)
    {
        var after = g.ToArray();
        return fused ? after.All(x => x == 0f) : after.AsSpan().SequenceEqual(grad);
    }

    /// <summary>
    /// The worst of: the parameter change (got - p0 against want - p0, so that a small update on a
    /// large parameter is still measured) and each state buffer, each relative to its own scale
    /// but never to less than its floor (a one-element vector whose update or state cancels to
    /// near zero would otherwise divide float32 rounding by almost nothing). Use the learning
    /// rate as the update's floor and the size of the state's inputs for the states.
    /// </summary>
    public static double StateError(float[] gotP, float[] p0, double[] wantP, double stepFloor, params (float[] got, double[] want, double floor)[] states)
    {
        var gotDelta = new float[gotP.Length];
        var wantDelta = new double[gotP.Length];
        for (int i = 0; i < gotP.Length; i++)
        {
            gotDelta[i] = (float)((double)gotP[i] - p0[i]);
            wantDelta[i] = wantP[i] - p0[i];
        }
        double err = Reference.MaxRelError(gotDelta, wantDelta, stepFloor);
        foreach (var (got, want, floor) in states) err = Math.Max(err, Reference.MaxRelError(got, want, floor));
        return err;
    }
}
