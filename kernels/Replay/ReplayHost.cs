namespace GpuDqn.Kernels;

/// <summary>Host replay sampling: per batch row, the kernel's <see cref="ReplayCore"/> draw and chain, then row copies.</summary>
internal static class ReplayHost
{
    public static void Sample(ReplayBuffer rb, ReplayBatch batch, ReplaySampleArgs p)
    {
        var rewards = Mem.Host(rb.Rewards);
        var term = Mem.Host(rb.Terminated);
        var trunc = Mem.Host(rb.Truncated);
        var obs = rb.Obs.Span;
        var next = rb.NextObs.Span;
        var actions = rb.Actions.Span;
        var oObs = batch.Obs.Span;
        var oNext = batch.NextObs.Span;
        var oAct = batch.Actions.Span;
        var oRet = batch.Returns.Span;
        var oDisc = batch.Discounts.Span;
        var oIdx = batch.Indices.Span;
        var oK = batch.StepCounts.Span;
        int d = p.D;
        for (int b = 0; b < p.B; b++)
        {
            int slot = ReplayCore.Slot(b, p);
            int last = ReplayCore.Chain(rewards, term, trunc, slot, p, out float ret, out float disc, out int k);
            obs.Slice(slot * d, d).CopyTo(oObs.Slice(b * d, d));
            next.Slice(last * d, d).CopyTo(oNext.Slice(b * d, d));
            oAct[b] = actions[slot];
            oRet[b] = ret;
            oDisc[b] = disc;
            oIdx[b] = slot;
            oK[b] = k;
        }
    }
}
