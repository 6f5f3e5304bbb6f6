using BenchmarkDotNet.Attributes;
using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Bench;

/// <summary>
/// Host optimiser steps over one flat parameter vector (MinAtar DQN ≈ 132.6k parameters, Nature
/// DQN ≈ 1.69M), against a plain scalar loop doing the same arithmetic, measured side by side.
/// Run in-process (building a boilerplate project times out on a loaded 2-core machine):
/// <c>dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*OptimBench*' --inProcess --iterationCount 8 --warmupCount 3 --launchCount 1</c>
/// </summary>
public class OptimBench
{
    [Params(132_566, 1_686_180)]
    public int N;

    private readonly HostDevice device = new();
    private Tensor<float> p = null!, g = null!, m = null!, v = null!, scratch = null!;
    private float[] sp = [], sg = [], sm = [], sv = [];
    private readonly AdamConfig cfg = new() { LearningRate = 1e-4f };
    private int t;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        float[] Rand(float scale) => Enumerable.Range(0, N).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
        p = device.FromArray(Rand(1), N);
        g = device.FromArray(Rand(1e-3f), N);
        m = device.Zeros<float>(N);
        v = device.Zeros<float>(N);
        scratch = device.Zeros<float>(GradNorm.ScratchLength);
        sp = Rand(1); sg = Rand(1e-3f); sm = new float[N]; sv = new float[N];
    }

    [Benchmark(Baseline = true, Description = "adam scalar loop")]
    public void AdamScalar()
    {
        t++;
        float b1 = cfg.Beta1, b2 = cfg.Beta2;
        float step = (float)(cfg.LearningRate / (1 - Math.Pow(b1, t))), bc2 = (float)Math.Sqrt(1 - Math.Pow(b2, t));
        for (int i = 0; i < sp.Length; i++)
        {
            sm[i] = b1 * sm[i] + (1 - b1) * sg[i];
            sv[i] = b2 * sv[i] + (1 - b2) * sg[i] * sg[i];
            sp[i] -= step * sm[i] / (MathF.Sqrt(sv[i]) / bc2 + cfg.Epsilon);
        }
    }

    [Benchmark(Description = "Adam.Step (host SIMD)")]
    public void AdamHost() => Adam.Step(p, g, m, v, cfg, ++t);

    [Benchmark(Description = "RmsProp.Step DqnNature (host SIMD)")]
    public void RmsPropHost() => RmsProp.Step(p, g, m, v, RmsPropConfig.DqnNature);

    [Benchmark(Description = "norm scalar loop (float64)")]
    public float NormScalar()
    {
        double s = 0;
        foreach (float x in sg) s += (double)x * x;
        return (float)Math.Sqrt(s);
    }

    [Benchmark(Description = "GradNorm.Clip (host, deterministic)")]
    public void Clip() => GradNorm.Clip(g, 10f, scratch);

    [Benchmark(Description = "Params.Polyak (host SIMD)")]
    public void Polyak() => Params.Polyak(g, p, 0.005f);
}
