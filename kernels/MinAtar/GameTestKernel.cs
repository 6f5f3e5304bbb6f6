using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// A minimal kernel that runs one game over ViewMemory, one thread per environment, for one
/// step per launch: the tests use it to check that host and kernel play identically. It is not
/// the batched environment (that adds sticky actions, auto-reset and observation layout).
/// </summary>
public static class GameTestKernel
{
    /// <summary>Writes an HWC 10×10×C observation as 0/1 floats into a device view.</summary>
    public readonly struct ViewObservation(ArrayView<float> view, int baseIndex, int channels) : IObservationWriter
    {
        private readonly ArrayView<float> view = view;
        private readonly int baseIndex = baseIndex, channels = channels;
        public void Set(int channel, int y, int x) => view[baseIndex + (y * 10 + x) * channels + channel] = 1f;
    }

    /// <summary>
    /// For each environment e: action[e] &lt; 0 resets it, otherwise it steps with that action.
    /// Then rewards[e], terminals[e] and the observation (100·C floats at e·100·C) are written.
    /// counters[e] is the environment's random-draw counter (stream e of <paramref name="seed"/>).
    /// </summary>
    internal static void StepKernel<TGame>(ArrayView<int> state, ArrayView<ulong> counters, ArrayView<int> actions,
        ArrayView<int> rewards, ArrayView<int> terminals, ArrayView<float> obs, ulong seed, int ramping)
        where TGame : struct, IMinAtarGame
    {
        var game = default(TGame);
        int stateInts = game.StateInts, obsSize = 100 * game.Channels;
        for (int e = Stride.Start; e < actions.IntLength; e += Stride.Step)
        {
            var mem = new ViewMemory(state, e * stateInts);
            var rng = new EnvRandom(seed, (ulong)e, counters[e]);
            int action = actions[e], reward = 0;
            if (action < 0) game.Reset(mem, ref rng, ramping != 0);
            else reward = game.Step(mem, action, ref rng, ramping != 0);
            counters[e] = rng.Counter;
            rewards[e] = reward;
            terminals[e] = game.IsTerminal(mem) ? 1 : 0;
            for (int i = 0; i < obsSize; i++) obs[e * obsSize + i] = 0f;
            var writer = new ViewObservation(obs, e * obsSize, game.Channels);
            game.Observe(mem, ref writer);
        }
    }

    /// <summary>Launches <see cref="StepKernel{TGame}"/> over actions.Length environments.</summary>
    public static void Launch<TGame>(IlgpuDevice dev, ArrayView<int> state, ArrayView<ulong> counters, ArrayView<int> actions,
        ArrayView<int> rewards, ArrayView<int> terminals, ArrayView<float> obs, ulong seed, bool ramping)
        where TGame : struct, IMinAtarGame =>
        dev.Kernel("minatar.gametest." + typeof(TGame).FullName, a => a.LoadStreamKernel<ArrayView<int>, ArrayView<ulong>,
                ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ulong, int>(StepKernel<TGame>))
            (dev.GridStride(actions.Length), state, counters, actions, rewards, terminals, obs, seed, ramping ? 1 : 0);
}
