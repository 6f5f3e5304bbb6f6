using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels;

/// <summary>Replay kernels: Add (one launch for every env's step) and Sample (one launch per batch).</summary>
internal static class ReplayKernel
{
    internal readonly struct AddArgs(int envs, int obsDim, int row)
    {
        public readonly int E = envs, D = obsDim, Row = row;
    }

    private static void AddKernel(ArrayView<float> obs, ArrayView<int> actions, ArrayView<float> rewards, ArrayView<byte> terminated,
        ArrayView<byte> truncated, ArrayView<float> nextObs,
        ArrayView<float> sObs, ArrayView<int> sActions, ArrayView<float> sRewards, ArrayView<byte> sTerminated,
        ArrayView<byte> sTruncated, ArrayView<float> sNextObs, AddArgs p)
    {
        int baseSlot = p.Row * p.E;
        for (int i = Stride.Start; i < p.E * p.D; i += Stride.Step)
        {
            sObs[baseSlot * p.D + i] = obs[i];
            sNextObs[baseSlot * p.D + i] = nextObs[i];
            if (i < p.E)
            {
                sActions[baseSlot + i] = actions[i];
                sRewards[baseSlot + i] = rewards[i];
                sTerminated[baseSlot + i] = terminated[i];
                sTruncated[baseSlot + i] = truncated[i];
            }
        }
    }

    // One thread per output element (b, d); each recomputes its row's draw and chain (n reads),
    // so one launch produces the whole batch.
    private static void SampleKernel(ArrayView<float> sObs, ArrayView<int> sActions, ArrayView<float> sRewards, ArrayView<byte> sTerminated,
        ArrayView<byte> sTruncated, ArrayView<float> sNextObs,
        ArrayView<float> oObs, ArrayView<int> oActions, ArrayView<float> oReturns, ArrayView<float> oDiscounts,
        ArrayView<float> oNextObs, ArrayView<int> oIndices, ArrayView<int> oSteps, ReplaySampleArgs p)
    {
        for (int i = Stride.Start; i < p.B * p.D; i += Stride.Step)
        {
            int b = i / p.D, d = i - b * p.D;
            int slot = ReplayCore.Slot(b, p);
            int last = ReplayCore.Chain(new ViewMem<float>(sRewards), new ViewMem<byte>(sTerminated), new ViewMem<byte>(sTruncated),
                slot, p, out float ret, out float disc, out int k);
            oObs[i] = sObs[slot * p.D + d];
            oNextObs[i] = sNextObs[last * p.D + d];
            if (d == 0)
            {
                oActions[b] = sActions[slot];
                oReturns[b] = ret;
                oDiscounts[b] = disc;
                oIndices[b] = slot;
                oSteps[b] = k;
            }
        }
    }

    public static void Add(IlgpuDevice g, ReplayBuffer rb, Tensor<float> obs, Tensor<int> actions, Tensor<float> rewards,
        Tensor<byte> terminated, Tensor<byte> truncated, Tensor<float> nextObs, int row) =>
        g.Kernel("replay.add", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<byte>, ArrayView<byte>, ArrayView<float>,
                ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<byte>, ArrayView<byte>, ArrayView<float>, AddArgs>(AddKernel))
            (g.GridStride((long)rb.NumEnvs * rb.ObsDim), obs.View, actions.View, rewards.View, terminated.View, truncated.View, nextObs.View,
                rb.Obs.View, rb.Actions.View, rb.Rewards.View, rb.Terminated.View, rb.Truncated.View, rb.NextObs.View,
                new AddArgs(rb.NumEnvs, rb.ObsDim, row));

    public static void Sample(IlgpuDevice g, ReplayBuffer rb, ReplayBatch o, ReplaySampleArgs p) =>
        g.Kernel("replay.sample", a => a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<byte>, ArrayView<byte>, ArrayView<float>,
                ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ReplaySampleArgs>(SampleKernel))
            (g.GridStride((long)p.B * p.D), rb.Obs.View, rb.Actions.View, rb.Rewards.View, rb.Terminated.View, rb.Truncated.View, rb.NextObs.View,
                o.Obs.View, o.Actions.View, o.Returns.View, o.Discounts.View, o.NextObs.View, o.Indices.View, o.StepCounts.View, p);
}
