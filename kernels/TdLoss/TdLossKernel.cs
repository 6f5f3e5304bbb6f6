using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>The fused TD-loss kernel: one group of <see cref="TdLoss.GroupSize"/> threads, fixed-order reduction.</summary>
internal static class TdLossKernel
{
    private static void FusedKernel(ArrayView<float> q, ArrayView<float> qNext, ArrayView<float> qOnline, ArrayView<int> actions,
        ArrayView<float> returns, ArrayView<float> discounts, ArrayView<float> tdError, ArrayView<float> dq,
        ArrayView<float> lossOut, ArrayView<float> meanQ, TdArgs p)
    {
        var sl = SharedMemory.Allocate<float>(TdLoss.GroupSize);
        var sq = SharedMemory.Allocate<float>(TdLoss.GroupSize);
        int t = Group.IdxX;
        float accL = 0f, accQ = 0f;
        for (int b = t; b < p.B; b += TdLoss.GroupSize)
        {
            TdLossCore.Sample(new ViewMem<float>(q), new ViewMem<float>(qNext), new ViewMem<float>(qOnline), new ViewMem<int>(actions),
                new ViewMem<float>(returns), new ViewMem<float>(discounts), new ViewMem<float>(tdError), new ViewMem<float>(dq),
                b, p, out float l, out float qsa);
            accL += l;
            accQ += qsa;
        }
        sl[t] = accL;
        sq[t] = accQ;
        Group.Barrier();
        if (t == 0)
        {
            // Thread 0 joins the partials in index order: deterministic, and one barrier instead of eight.
            float l = 0f, qs = 0f;
            for (int i = 0; i < TdLoss.GroupSize; i++)
            {
                l += sl[i];
                qs += sq[i];
            }
            lossOut[0] = l / p.B;
            meanQ[0] = qs / p.B;
        }
    }

    public static void Run(IlgpuDevice d, ArrayView<float> q, ArrayView<float> qNext, ArrayView<float> qOnline, ArrayView<int> actions,
        ArrayView<float> returns, ArrayView<float> discounts, ArrayView<float> tdError, ArrayView<float> dq,
        ArrayView<float> lossOut, ArrayView<float> meanQ, TdArgs p) =>
        d.Kernel("tdloss.fused", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>,
                ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, TdArgs>(FusedKernel))
            (new KernelConfig(1, TdLoss.GroupSize), q, qNext, qOnline, actions, returns, discounts, tdError, dq, lossOut, meanQ, p);
}
