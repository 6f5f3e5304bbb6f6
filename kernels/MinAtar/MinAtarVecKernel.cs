using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels.MinAtar;

/// <summary>Everything one batched step needs, one struct so the kernel signature stays short.</summary>
internal struct MinAtarStepArgs
{
    public ArrayView<int> State, Meta, Actions, ActionMap, Error;
    public ArrayView<float> Reward, Obs, NextObs;
    public ArrayView<byte> Terminated;
    public int NumEnvs, NumActions, StateInts, ObsSize, WriteNext, Ramping;
    public float Sticky;
    public ulong Seed;
}

internal struct MinAtarResetArgs
{
    public ArrayView<int> State, Meta;
    public ArrayView<float> Obs;
    public int NumEnvs, StateInts, ObsSize, WriteObs, Ramping;
    public ulong Seed;
}

/// <summary>One thread per environment, grid-stride; the game code is the same as the host's.</summary>
internal static class MinAtarVecKernel
{
    private static void StepKernel<TGame>(MinAtarStepArgs a) where TGame : struct, IMinAtarGame
    {
        for (int e = Stride.Start; e < a.NumEnvs; e += Stride.Step)
        {
            int requested = a.Actions[e];
            if (requested < 0 || requested >= a.NumActions)
            {
                a.Error[0] = 1;
                requested = 0;
            }
            int action = a.ActionMap[requested];
            var state = new ViewMemory(a.State, e * a.StateInts);
            var meta = new ViewMemory(a.Meta, e * MinAtarEnvCore.MetaInts);
            var obs = new ViewObservation(a.Obs, e * a.ObsSize);
            var next = new ViewObservation(a.NextObs, e * a.ObsSize);
            int r = MinAtarEnvCore.StepEnv<TGame, ViewMemory, ViewObservation>(state, meta, action, a.Seed, (ulong)e,
                a.Sticky, a.Ramping != 0, ref obs, ref next, a.WriteNext != 0);
            a.Reward[e] = r >> 1;
            a.Terminated[e] = (byte)(r & 1);
        }
    }

    private static void ResetKernel<TGame>(MinAtarResetArgs a) where TGame : struct, IMinAtarGame
    {
        for (int e = Stride.Start; e < a.NumEnvs; e += Stride.Step)
        {
            var state = new ViewMemory(a.State, e * a.StateInts);
            var meta = new ViewMemory(a.Meta, e * MinAtarEnvCore.MetaInts);
            MinAtarEnvCore.ResetEnv<TGame, ViewMemory>(state, meta, a.Seed, (ulong)e, a.Ramping != 0);
            if (a.WriteObs != 0)
            {
                var obs = new ViewObservation(a.Obs, e * a.ObsSize);
                MinAtarEnvCore.Observe<TGame, ViewMemory, ViewObservation>(state, ref obs);
            }
        }
    }

    private static void ObserveKernel<TGame>(MinAtarResetArgs a) where TGame : struct, IMinAtarGame
    {
        for (int e = Stride.Start; e < a.NumEnvs; e += Stride.Step)
        {
            var obs = new ViewObservation(a.Obs, e * a.ObsSize);
            MinAtarEnvCore.Observe<TGame, ViewMemory, ViewObservation>(new ViewMemory(a.State, e * a.StateInts), ref obs);
        }
    }

    public static void Observe<TGame>(IlgpuDevice d, string gameKey, in MinAtarResetArgs a) where TGame : struct, IMinAtarGame =>
        d.Kernel("minatar.observe." + gameKey, acc => acc.LoadStreamKernel<MinAtarResetArgs>(ObserveKernel<TGame>))
            (d.GridStride(a.NumEnvs, 128), a);

    public static void Step<TGame>(IlgpuDevice d, string gameKey, in MinAtarStepArgs a) where TGame : struct, IMinAtarGame =>
        d.Kernel("minatar.step." + gameKey, acc => acc.LoadStreamKernel<MinAtarStepArgs>(StepKernel<TGame>))
            (d.GridStride(a.NumEnvs, 128), a);

    public static void Reset<TGame>(IlgpuDevice d, string gameKey, in MinAtarResetArgs a) where TGame : struct, IMinAtarGame =>
        d.Kernel("minatar.reset." + gameKey, acc => acc.LoadStreamKernel<MinAtarResetArgs>(ResetKernel<TGame>))
            (d.GridStride(a.NumEnvs, 128), a);
}
