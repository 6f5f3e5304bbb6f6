using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels.FrameReplay;

internal static class FrameReplayKernel
{
    internal readonly struct AddArgs(int envs, int capacity, int pixels, int slot, int forceStart)
    {
        public readonly int Envs = envs, Capacity = capacity, Pixels = pixels, Slot = slot, ForceStart = forceStart;
    }

    internal readonly struct SampleArgs(int envs, int capacity, int depth, int pixels, int nStep, float gamma, long first, int perEnv, ulong seed, ulong step, int batch)
    {
        public readonly int Envs = envs, Capacity = capacity, Depth = depth, Pixels = pixels, NStep = nStep, PerEnv = perEnv, Batch = batch;
        public readonly float Gamma = gamma;
        public readonly long First = first;
        public readonly ulong Seed = seed, Step = step;
    }

    private static void AddKernel(ArrayView<byte> inFrames, ArrayView<byte> inStarts, ArrayView<int> inActions, ArrayView<float> inRewards,
        ArrayView<byte> inTerminated, ArrayView<byte> inTruncated, ArrayView<byte> frames, ArrayView<byte> flags, ArrayView<int> actions,
        ArrayView<float> rewards, AddArgs a)
    {
        int n = a.Envs * a.Pixels;
        for (int i = Stride.Start; i < n; i += Stride.Step)
        {
            int e = i / a.Pixels, pix = i - e * a.Pixels;
            int entry = e * a.Capacity + a.Slot;
            frames[(long)entry * a.Pixels + pix] = inFrames[i];
            if (pix == 0)
            {
                actions[entry] = inActions[e];
                rewards[entry] = inRewards[e];
                flags[entry] = (byte)((inStarts[e] != 0 || a.ForceStart != 0 ? FrameReplayBuffer.StartFlag : 0)
                    | (inTerminated[e] != 0 ? FrameReplayBuffer.TerminatedFlag : 0)
                    | (inTruncated[e] != 0 ? FrameReplayBuffer.TruncatedFlag : 0));
            }
        }
    }

    private static void PickKernel(ArrayView<byte> flags, ArrayView<int> actions, ArrayView<float> rewards, ArrayView<int> outActions,
        ArrayView<float> outReturns, ArrayView<float> outBootstrap, ArrayView<int> outIndices, ArrayView<int> outSteps, ArrayView<int> sources, SampleArgs a)
    {
        var store = new ViewStore(flags, actions, rewards);
        var sink = new ViewSink(outActions, outReturns, outBootstrap, outIndices, outSteps, sources, 2 * a.Depth);
        for (int b = Stride.Start; b < a.Batch; b += Stride.Step)
            FrameReplayLogic.Pick(store, sink, a, b);
    }

    private static void GatherKernel(ArrayView<byte> frames, ArrayView<int> sources, ArrayView<float> obs, ArrayView<float> next, SampleArgs a)
    {
        int perSample = 2 * a.Depth * a.Pixels;
        int n = a.Batch * perSample;
        for (int i = Stride.Start; i < n; i += Stride.Step)
        {
            int b = i / perSample, r = i - b * perSample;
            int j = r / a.Pixels, pix = r - j * a.Pixels;
            int src = sources[b * 2 * a.Depth + j];
            float v = src < 0 ? 0f : frames[(long)src * a.Pixels + pix] / 255f;
            if (j < a.Depth) obs[(b * a.Depth + j) * a.Pixels + pix] = v;
            else next[(b * a.Depth + j - a.Depth) * a.Pixels + pix] = v;
        }
    }

    public static void Add(IlgpuDevice d, ArrayView<byte> inFrames, ArrayView<byte> inStarts, ArrayView<int> inActions, ArrayView<float> inRewards,
        ArrayView<byte> inTerminated, ArrayView<byte> inTruncated, ArrayView<byte> frames, ArrayView<byte> flags, ArrayView<int> actions,
        ArrayView<float> rewards, AddArgs a) =>
        d.Kernel("framereplay.add", acc => acc.LoadStreamKernel<ArrayView<byte>, ArrayView<byte>, ArrayView<int>, ArrayView<float>, ArrayView<byte>,
            ArrayView<byte>, ArrayView<byte>, ArrayView<byte>, ArrayView<int>, ArrayView<float>, AddArgs>(AddKernel))
            (d.GridStride((long)a.Envs * a.Pixels), inFrames, inStarts, inActions, inRewards, inTerminated, inTruncated, frames, flags, actions, rewards, a);

    public static void Pick(IlgpuDevice d, ArrayView<byte> flags, ArrayView<int> actions, ArrayView<float> rewards, ArrayView<int> outActions,
        ArrayView<float> outReturns, ArrayView<float> outBootstrap, ArrayView<int> outIndices, ArrayView<int> outSteps, ArrayView<int> sources, SampleArgs a) =>
        d.Kernel("framereplay.pick", acc => acc.LoadStreamKernel<ArrayView<byte>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>,
            ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, SampleArgs>(PickKernel))
            (d.GridStride(a.Batch, 64), flags, actions, rewards, outActions, outReturns, outBootstrap, outIndices, outSteps, sources, a);

    public static void Gather(IlgpuDevice d, ArrayView<byte> frames, ArrayView<int> sources, ArrayView<float> obs, ArrayView<float> next, SampleArgs a) =>
        d.Kernel("framereplay.gather", acc => acc.LoadStreamKernel<ArrayView<byte>, ArrayView<int>, ArrayView<float>, ArrayView<float>, SampleArgs>(GatherKernel))
            (d.GridStride((long)a.Batch * 2 * a.Depth * a.Pixels), frames, sources, obs, next, a);
}
