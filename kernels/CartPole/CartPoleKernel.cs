using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>CartPoleVec kernels: one thread per env, grid-stride.</summary>
internal static class CartPoleKernel
{
    internal readonly struct Args(int n, int logSize, ulong seed)
    {
        public readonly int N = n, LogSize = logSize;
        public readonly ulong Seed = seed;
    }

    private static void ResetKernel(ArrayView<float> state, ArrayView<float> epRet, ArrayView<float> logRet, ArrayView<float> obs,
        ArrayView<float> next, ArrayView<float> reward, ArrayView<int> steps, ArrayView<int> epLen,
        ArrayView<int> finished, ArrayView<int> logLen, ArrayView<byte> terminated, ArrayView<byte> truncated, Args p)
    {
        var f = new CartPoleF<ViewMem<float>>(new(state), new(epRet), new(logRet), new(obs), new(next), new(reward));
        var n = new CartPoleI<ViewMem<int>>(new(steps), new(epLen), new(finished), new(logLen));
        var b = new CartPoleB<ViewMem<byte>>(new(terminated), new(truncated));
        for (int i = Stride.Start; i < p.N; i += Stride.Step)
            CartPoleCore.ResetEnv(i, f, n, b, p.LogSize, p.Seed);
    }

    private static void StepKernel(ArrayView<float> state, ArrayView<float> epRet, ArrayView<float> logRet, ArrayView<float> obs,
        ArrayView<float> next, ArrayView<float> reward, ArrayView<int> steps, ArrayView<int> epLen,
        ArrayView<int> finished, ArrayView<int> logLen, ArrayView<byte> terminated, ArrayView<byte> truncated, ArrayView<int> actions, Args p)
    {
        var f = new CartPoleF<ViewMem<float>>(new(state), new(epRet), new(logRet), new(obs), new(next), new(reward));
        var n = new CartPoleI<ViewMem<int>>(new(steps), new(epLen), new(finished), new(logLen));
        var b = new CartPoleB<ViewMem<byte>>(new(terminated), new(truncated));
        for (int i = Stride.Start; i < p.N; i += Stride.Step)
            CartPoleCore.StepEnv(i, actions[i], f, n, b, p.LogSize, p.Seed);
    }

    public static void Reset(IlgpuDevice g, CartPoleTensors t, ulong seed) =>
        g.Kernel("cartpole.reset", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<byte>, ArrayView<byte>, Args>(ResetKernel))
            (g.GridStride(t.N, 64), t.State.View, t.EpisodeReturn.View, t.LogReturns.View, t.Obs.View, t.NextObs.View, t.Rewards.View,
                t.Steps.View, t.EpisodeLength.View, t.Finished.View, t.LogLengths.View, t.Terminated.View, t.Truncated.View,
                new Args(t.N, t.LogSize, seed));

    public static void Step(IlgpuDevice g, CartPoleTensors t, Tensor<int> actions, ulong seed) =>
        g.Kernel("cartpole.step", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<byte>, ArrayView<byte>, ArrayView<int>, Args>(StepKernel))
            (g.GridStride(t.N, 64), t.State.View, t.EpisodeReturn.View, t.LogReturns.View, t.Obs.View, t.NextObs.View, t.Rewards.View,
                t.Steps.View, t.EpisodeLength.View, t.Finished.View, t.LogLengths.View, t.Terminated.View, t.Truncated.View,
                actions.View, new Args(t.N, t.LogSize, seed));
}
