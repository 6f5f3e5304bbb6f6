using ILGPU;

namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// Per-environment game state as a run of ints. The same game code reads and writes it on
/// the host (<see cref="ArrayMemory"/>) and inside an ILGPU kernel (<see cref="ViewMemory"/>);
/// generic struct constraints let ILGPU compile one instantiation per memory kind.
/// </summary>
public interface IStateMemory
{
    int Get(int i);
    void Set(int i, int value);
}

/// <summary>State memory inside a kernel: ints [Base, Base + StateInts) of a device view.</summary>
public readonly struct ViewMemory(ArrayView<int> view, int baseIndex) : IStateMemory
{
    private readonly ArrayView<int> view = view;
    private readonly int baseIndex = baseIndex;
    public int Get(int i) => view[baseIndex + i];
    public void Set(int i, int value) => view[baseIndex + i] = value;
}

/// <summary>State memory on the host: ints [Base, Base + StateInts) of a managed array.</summary>
public readonly struct ArrayMemory(int[] array, int baseIndex) : IStateMemory
{
    private readonly int[] array = array;
    private readonly int baseIndex = baseIndex;
    public int Get(int i) => array[baseIndex + i];
    public void Set(int i, int value) => array[baseIndex + i] = value;
}

/// <summary>Receives the true cells of an observation; cells not set stay false (0).</summary>
public interface IObservationWriter
{
    void Set(int channel, int y, int x);
}

/// <summary>
/// The per-environment random source: draws are a pure function of (seed, stream =
/// environment index, counter), so host and kernel agree draw for draw. The framework keeps
/// <see cref="Counter"/> in device memory between steps.
/// </summary>
public struct EnvRandom(ulong seed, ulong stream, ulong counter)
{
    public ulong Seed = seed, Stream = stream, Counter = counter;
    public float Uniform() => CounterRng.Uniform(Seed, Stream, Counter++);
    public int Below(int n) => CounterRng.Below(Seed, Stream, Counter++, n);
    public bool Coin() => Below(2) == 1;
}

/// <summary>
/// One MinAtar game's rules (../shared/specs/minatar.md), written once for host and kernel.
/// Implemented by an empty struct (e.g. <c>struct Breakout : IMinAtarGame</c>); kernels take
/// it as a generic argument <c>where TGame : struct, IMinAtarGame</c> and call
/// <c>default(TGame).Step(...)</c>. No managed objects, no exceptions, no allocations.
/// </summary>
public interface IMinAtarGame
{
    /// <summary>Channels C of the 10×10×C observation.</summary>
    int Channels { get; }
    /// <summary>Ints of state one environment needs (fixed slots for every list).</summary>
    int StateInts { get; }
    /// <summary>Starts a new episode; clears the terminal flag.</summary>
    void Reset<TMem>(TMem s, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory;
    /// <summary>
    /// One game step with a full action index 0..5 (after sticky actions and minimal-set
    /// mapping, which the wrapper does). Returns the reward; an already-terminal game
    /// returns 0 and changes nothing.
    /// </summary>
    int Step<TMem>(TMem s, int action, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory;
    bool IsTerminal<TMem>(TMem s) where TMem : struct, IStateMemory;
    /// <summary>Reports every true cell of the current observation to <paramref name="obs"/>.</summary>
    void Observe<TMem, TObs>(TMem s, ref TObs obs) where TMem : struct, IStateMemory where TObs : struct, IObservationWriter;
    /// <summary>The ramp index (Asterix, SpaceInvaders, Seaquest) or -1 for "none".</summary>
    int RampIndex<TMem>(TMem s) where TMem : struct, IStateMemory;
}
