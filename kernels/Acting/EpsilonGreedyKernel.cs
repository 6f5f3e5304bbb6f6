using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

internal static class EpsilonGreedyKernel
{
    internal readonly struct Args(int n, int a, float epsilon, ulong seed, ulong step)
    {
        public readonly int N = n, A = a;
        public readonly float Epsilon = epsilon;
        public readonly ulong Seed = seed, Step = step;
    }

    private static void SelectKernel(ArrayView<float> q, ArrayView<int> actions, Args p)
    {
        var qm = new ViewMem<float>(q);
        var am = new ViewMem<int>(actions);
        for (int i = Stride.Start; i < p.N; i += Stride.Step)
            EpsilonGreedyCore.Env(qm, am, i, p.A, p.Epsilon, p.Seed, p.Step);
    }

    public static void Run(IlgpuDevice d, ArrayView<float> q, ArrayView<int> actions, int n, int a, float epsilon, ulong seed, ulong step) =>
        d.Kernel("acting.epsgreedy", acc => acc.LoadStreamKernel<ArrayView<float>, ArrayView<int>, Args>(SelectKernel))
            (d.GridStride(n), q, actions, new Args(n, a, epsilon, seed, step));
}
