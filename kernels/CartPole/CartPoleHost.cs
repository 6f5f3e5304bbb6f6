using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>Host CartPoleVec: the shared per-env code in a loop (split over cores for many envs).</summary>
internal static class CartPoleHost
{
    public static (CartPoleF<ArrayMem<float>> F, CartPoleI<ArrayMem<int>> I, CartPoleB<ArrayMem<byte>> B, int L) Mems(CartPoleTensors t) => (
        new(Mem.Host(t.State), Mem.Host(t.EpisodeReturn), Mem.Host(t.LogReturns), Mem.Host(t.Obs), Mem.Host(t.NextObs), Mem.Host(t.Rewards)),
        new(Mem.Host(t.Steps), Mem.Host(t.EpisodeLength), Mem.Host(t.Finished), Mem.Host(t.LogLengths)),
        new(Mem.Host(t.Terminated), Mem.Host(t.Truncated)),
        t.LogSize);

    public static void Step(CartPoleTensors t, Tensor<int> actions, ulong seed)
    {
        var m = Mems(t);
        var a = Mem.Host(actions);
        HostParallel.For(t.N, 4096, (s, e) =>
        {
            for (int i = (int)s; i < e; i++) CartPoleCore.StepEnv(i, a.Get(i), m.F, m.I, m.B, m.L, seed);
        });
    }
}
