using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class GradNormCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (int n in ParamsCheck.Lengths)
            foreach (bool large in new[] { false, true })
                yield return new OpCase("gradnorm.clip", $"[{n}] {(large ? "clipped" : "unclipped")}", (device, seed) => Run(device, seed, n, large));
        foreach (int n in OptimCheck.FusedLengths)
            yield return new OpCase("gradnorm.clipscale", $"[{n}]", (device, seed) => RunScale(device, seed, n));
    }

    /// <summary>ClipScale leaves grad untouched and returns min(1, maxNorm / (norm + 1e-6)) beside the norm.</summary>
    private static double RunScale(Device device, int seed, int n)
    {
        var x = Reference.Uniform(new Random(seed), n);
        double norm = Math.Sqrt(x.Sum(v => (double)v * v));
        float maxNorm = (float)(norm / 2.5);
        var g = device.FromArray(x, n);
        var scratch = device.Zeros<float>(GradNorm.ScratchLength);
        float got = GradNorm.ClipScale(g, maxNorm, scratch).ToArray()[0];
        if (!g.ToArray().AsSpan().SequenceEqual(x)) return double.PositiveInfinity;
        double want = Math.Min(1, maxNorm / (norm + 1e-6));
        float gotNorm = scratch.ToArray()[0];
        return Math.Max(Math.Abs(got - want) / want, Math.Abs(gotNorm - norm) / norm);
    }

    /// <summary>Clips twice from the same input (the results must be bitwise equal) and compares grad and norm with float64.</summary>
    private static double Run(Device device, int seed, int n, bool large)
    {
        var x = Reference.Uniform(new Random(seed), n);
        double sq = 0;
        foreach (float v in x) sq += (double)v * v;
        double norm = Math.Sqrt(sq);
        // The max norm sits at a fixed ratio to the true norm, well away from the clipping edge.
        float maxNorm = (float)(large ? norm / 3 : norm * 3);
        var scratch = device.Zeros<float>(GradNorm.ScratchLength);
        float[] gotGrad = [], gotNorm = [];
        for (int rep = 0; rep < 2; rep++)
        {
            var g = device.FromArray(x, n);
            var tn = GradNorm.Clip(g, maxNorm, scratch);
            var gg = g.ToArray();
            var nn = tn.ToArray();
            if (rep == 0) { gotGrad = gg; gotNorm = nn; }
            else if (!ReduceCheck.Bitwise(gotGrad, gg) || !ReduceCheck.Bitwise(gotNorm, nn)) return double.PositiveInfinity;
        }
        double scale = Math.Min(1, maxNorm / (norm + 1e-6));
        var want = x.Select(v => v * scale).ToArray();
        if (!large && !ReduceCheck.Bitwise(gotGrad, x)) return double.PositiveInfinity;  // unclipped means untouched
        return Math.Max(Reference.MaxRelError(gotGrad, want), Math.Abs(gotNorm[0] - norm) / norm);
    }
}
