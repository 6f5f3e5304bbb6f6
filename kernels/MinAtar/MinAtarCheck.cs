using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// Device/host parity of the batched MinAtar environments, so that <c>gpudqn selftest</c>
/// checks the kernels on a GPU: the same seed and random actions on the device and on the
/// host must give identical rewards, terminals, observations, next observations and state.
/// The result is 0 (identical) or 1 (any difference).
/// </summary>
internal sealed class MinAtarCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        foreach (var id in MinAtarVec.EnvIds)
            foreach (var (n, steps) in new[] { (1, 30), (67, 40) })
                yield return new OpCase("minatar.step", $"{id} [{n}] x{steps}", (device, seed) => Compare(device, id, n, steps, seed), Tolerance: 0);
    }

    private static double Compare(Device device, string id, int n, int steps, int seed)
    {
        using var host = new HostDevice();
        var options = new MinAtarOptions { StickyActionProb = 0.25f, MinimalActionSet = (seed & 1) == 1 };
        using var a = MinAtarVec.Create(id, host, n, options);
        using var b = MinAtarVec.Create(id, device, n, options);
        var rng = new Random(seed);
        Tensor<float> ObsOf(Device d) => d.Zeros<float>(a.ObservationShape);
        var (oa, na, ob, nb) = (ObsOf(host), ObsOf(host), ObsOf(device), ObsOf(device));
        var (ra, rb) = (host.Zeros<float>(n), device.Zeros<float>(n));
        var (ta, tb) = (host.Zeros<byte>(n), device.Zeros<byte>(n));
        a.Reset((ulong)seed, oa);
        b.Reset((ulong)seed, ob);
        double mismatch = Reference.Mismatch<float>(oa.ToArray(), ob.ToArray());
        for (int t = 0; t < steps; t++)
        {
            var actions = new int[n];
            for (int e = 0; e < n; e++) actions[e] = rng.Next(a.NumActions);
            a.Step(host.FromArray(actions, n), ra, ta, oa, na);
            b.Step(device.FromArray(actions, n), rb, tb, ob, nb);
            mismatch = Math.Max(mismatch, Reference.Mismatch<float>(ra.ToArray(), rb.ToArray()));
            mismatch = Math.Max(mismatch, Reference.Mismatch<byte>(ta.ToArray(), tb.ToArray()));
            mismatch = Math.Max(mismatch, Reference.Mismatch<float>(oa.ToArray(), ob.ToArray()));
            mismatch = Math.Max(mismatch, Reference.Mismatch<float>(na.ToArray(), nb.ToArray()));
        }
        mismatch = Math.Max(mismatch, Reference.Mismatch<int>(a.ReadState(), b.ReadState()));
        var (sa, sb) = (a.ReadFinishedEpisodes(), b.ReadFinishedEpisodes());
        mismatch = Math.Max(mismatch, Reference.Mismatch<int>(sa.Returns, sb.Returns));
        return mismatch;
    }
}
