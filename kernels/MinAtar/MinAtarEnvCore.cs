using ILGPU;

namespace GpuDqn.Kernels.MinAtar;

/// <summary>An observation writer that can also clear its environment's C×10×10 block.</summary>
public interface IObservationTarget : IObservationWriter
{
    /// <summary>Sets the first <paramref name="length"/> floats of this environment's observation to 0.</summary>
    void Clear(int length);
}

/// <summary>Writes 1.0 into an NCHW float observation held in a managed array (host path).</summary>
public readonly struct ArrayObservation(float[] array, long baseIndex) : IObservationTarget
{
    private readonly float[] array = array;
    private readonly long baseIndex = baseIndex;
    public void Set(int channel, int y, int x) => array[baseIndex + channel * 100 + y * 10 + x] = 1f;
    public void Clear(int length) => Array.Clear(array, (int)baseIndex, length);
}

/// <summary>Writes 1.0 into an NCHW float observation held in a device view (kernel path).</summary>
public readonly struct ViewObservation(ArrayView<float> view, int baseIndex) : IObservationTarget
{
    private readonly ArrayView<float> view = view;
    private readonly int baseIndex = baseIndex;
    public void Set(int channel, int y, int x) => view[baseIndex + channel * 100 + y * 10 + x] = 1f;
    public void Clear(int length)
    {
        for (int i = 0; i < length; i++) view[baseIndex + i] = 0f;
    }
}

/// <summary>
/// The environment wrapper (spec §1) around one game, written once for the host loop and the
/// kernel: sticky actions, auto-reset, episode accumulators. Per-environment wrapper ints
/// ("meta", <see cref="MetaInts"/> per environment) live beside the game state.
/// </summary>
public static class MinAtarEnvCore
{
    /// <summary>Meta ints per environment.</summary>
    public const int MetaInts = 16;
    /// <summary>Finished episodes remembered per environment between two readouts.</summary>
    public const int Ring = 4;
    public const int LastAction = 0, EpReturn = 1, EpLength = 2, DoneCount = 3, DoneReturnSum = 4, DoneLengthSum = 5,
        CounterLo = 6, CounterHi = 7, RingReturn = 8, RingLength = 8 + Ring;

    public static ulong LoadCounter<TMem>(TMem meta) where TMem : struct, IStateMemory =>
        (ulong)(uint)meta.Get(CounterLo) | ((ulong)(uint)meta.Get(CounterHi) << 32);

    public static void StoreCounter<TMem>(TMem meta, ulong counter) where TMem : struct, IStateMemory
    {
        meta.Set(CounterLo, (int)(uint)counter);
        meta.Set(CounterHi, (int)(uint)(counter >> 32));
    }

    /// <summary>Fresh wrapper (last action no-op, counter 0, no statistics) and a new episode.</summary>
    public static void ResetEnv<TGame, TMem>(TMem state, TMem meta, ulong seed, ulong stream, bool ramping)
        where TGame : struct, IMinAtarGame where TMem : struct, IStateMemory
    {
        for (int i = 0; i < MetaInts; i++) meta.Set(i, 0);
        var rng = new EnvRandom(seed, stream, 0);
        default(TGame).Reset(state, ref rng, ramping);
        StoreCounter(meta, rng.Counter);
    }

    /// <summary>Writes the current observation (cleared first).</summary>
    public static void Observe<TGame, TMem, TObs>(TMem state, ref TObs obs)
        where TGame : struct, IMinAtarGame where TMem : struct, IStateMemory where TObs : struct, IObservationTarget
    {
        obs.Clear(default(TGame).Channels * 100);
        default(TGame).Observe(state, ref obs);
    }

    /// <summary>
    /// One wrapper step with a full action index 0..5: sticky draw, game step, accumulators,
    /// and auto-reset of a finished episode. Writes <paramref name="obs"/> (the state after
    /// any auto-reset) and, when <paramref name="writeNext"/>, <paramref name="nextObs"/> (the
    /// final observation of a finished episode, else the same as obs). Returns reward × 2 + terminal.
    /// </summary>
    public static int StepEnv<TGame, TMem, TObs>(TMem state, TMem meta, int action, ulong seed, ulong stream,
        float stickyProb, bool ramping, ref TObs obs, ref TObs nextObs, bool writeNext)
        where TGame : struct, IMinAtarGame where TMem : struct, IStateMemory where TObs : struct, IObservationTarget
    {
        var rng = new EnvRandom(seed, stream, LoadCounter(meta));
        if (rng.Uniform() < stickyProb) action = meta.Get(LastAction);
        meta.Set(LastAction, action);

        int reward = default(TGame).Step(state, action, ref rng, ramping);
        bool terminal = default(TGame).IsTerminal(state);
        int ret = meta.Get(EpReturn) + reward, len = meta.Get(EpLength) + 1;
        if (terminal)
        {
            if (writeNext) Observe<TGame, TMem, TObs>(state, ref nextObs);
            int done = meta.Get(DoneCount);
            int slot = done % Ring;
            meta.Set(RingReturn + slot, ret);
            meta.Set(RingLength + slot, len);
            meta.Set(DoneCount, done + 1);
            meta.Set(DoneReturnSum, meta.Get(DoneReturnSum) + ret);
            meta.Set(DoneLengthSum, meta.Get(DoneLengthSum) + len);
            ret = 0;
            len = 0;
            default(TGame).Reset(state, ref rng, ramping);
            Observe<TGame, TMem, TObs>(state, ref obs);
        }
        else
        {
            Observe<TGame, TMem, TObs>(state, ref obs);
            if (writeNext) Observe<TGame, TMem, TObs>(state, ref nextObs);
        }
        meta.Set(EpReturn, ret);
        meta.Set(EpLength, len);
        StoreCounter(meta, rng.Counter);
        return reward * 2 + (terminal ? 1 : 0);
    }
}
