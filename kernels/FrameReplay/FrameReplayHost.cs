using GpuDqn.Engine;

namespace GpuDqn.Kernels.FrameReplay;

internal static class FrameReplayHost
{
    public static void Add(ReadOnlySpan<byte> inFrames, ReadOnlySpan<byte> inStarts, ReadOnlySpan<int> inActions, ReadOnlySpan<float> inRewards,
        ReadOnlySpan<byte> inTerminated, ReadOnlySpan<byte> inTruncated, HostFrames frames, Span<byte> flags, Span<int> actions, Span<float> rewards,
        FrameReplayKernel.AddArgs a)
    {
        for (int e = 0; e < a.Envs; e++)
        {
            int entry = e * a.Capacity + a.Slot;
            inFrames.Slice(e * a.Pixels, a.Pixels).CopyTo(frames.Frame(entry));
            actions[entry] = inActions[e];
            rewards[entry] = inRewards[e];
            flags[entry] = (byte)((inStarts[e] != 0 || a.ForceStart != 0 ? FrameReplayBuffer.StartFlag : 0)
                | (inTerminated[e] != 0 ? FrameReplayBuffer.TerminatedFlag : 0)
                | (inTruncated[e] != 0 ? FrameReplayBuffer.TruncatedFlag : 0));
        }
    }

    public static void Pick(Tensor<byte> flags, Tensor<int> actions, Tensor<float> rewards, FrameReplayBatch batch, FrameReplayKernel.SampleArgs a)
    {
        var store = new ArrayStore(Arr(flags), Arr(actions), Arr(rewards));
        var sink = new ArraySink(Arr(batch.Actions), Arr(batch.Returns), Arr(batch.Bootstrap), Arr(batch.Indices), Arr(batch.Steps), Arr(batch.Sources), 2 * a.Depth);
        for (int b = 0; b < a.Batch; b++) FrameReplayLogic.Pick(store, sink, a, b);
    }

    public static void Gather(HostFrames frames, Tensor<int> sources, Tensor<float> obs, Tensor<float> next, FrameReplayKernel.SampleArgs a)
    {
        var src = Arr(sources);
        // obs and next share one buffer ([s; s'] for the learner): index them from their offsets.
        var (o, oOff) = Raw(obs);
        var (nx, nxOff) = Raw(next);
        int px = a.Pixels;
        HostParallel.For(a.Batch, Math.Max(1, 65536 / (2 * a.Depth * px)), (start, end) =>
        {
            for (long b = start; b < end; b++)
                for (int j = 0; j < 2 * a.Depth; j++)
                {
                    int s = src[b * 2 * a.Depth + j];
                    var dst = j < a.Depth ? o.AsSpan(oOff + (int)((b * a.Depth + j) * px), px) : nx.AsSpan(nxOff + (int)((b * a.Depth + j - a.Depth) * px), px);
                    if (s < 0) dst.Clear();
                    else
                    {
                        var frame = frames.Frame(s);
                        for (int p = 0; p < px; p++) dst[p] = frame[p] / 255f;
                    }
                }
        });
    }

    // The whole backing array, indexed from 0 by the callers: only for tensors that start their
    // buffer (a view elsewhere, like the batch's [s; s'] halves, goes through Raw with its offset).
    private static T[] Arr<T>(Tensor<T> t) where T : unmanaged => t.Offset == 0
        ? ((HostBuffer<T>)t.Buffer).Array
        : throw new InvalidOperationException($"{t} is a view at offset {t.Offset}; index it through its offset");

    private static (T[] Array, int Offset) Raw<T>(Tensor<T> t) where T : unmanaged => (((HostBuffer<T>)t.Buffer).Array, checked((int)t.Offset));
}
