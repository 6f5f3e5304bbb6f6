using GpuDqn.Engine;

namespace GpuDqn.Envs;

/// <summary>One finished episode of environment <c>Env</c>: its undiscounted return and length in agent steps.</summary>
public readonly record struct EpisodeStats(int Env, float Return, int Length);

/// <summary>
/// What one vector step left in device memory, for all environments at once. Environments
/// that finished were reset already: <see cref="IVectorEnv.Observations"/> holds their new
/// first observation, and <see cref="NextObservations"/> the true last one (the s' to store).
/// Terminated and truncated are 0/1 bytes.
/// </summary>
public sealed record StepTensors(Tensor<float> NextObservations, Tensor<float> Rewards, Tensor<byte> Terminated, Tensor<byte> Truncated);

/// <summary>
/// N environments stepped together with Gymnasium's semantics (terminated vs truncated,
/// auto-reset). Built-in environments (CartPole, MinAtar) step in a kernel on the device;
/// <see cref="HostVectorEnv"/> steps user environments on the host and uploads each step's
/// observations for all environments in one copy.
/// </summary>
public interface IVectorEnv : IDisposable
{
    Device Device { get; }
    int NumEnvs { get; }
    /// <summary>Shape of one observation, e.g. [4] or [C, 10, 10].</summary>
    int[] ObservationShape { get; }
    int NumActions { get; }
    /// <summary>Current observations [N, ...ObservationShape] on the device.</summary>
    Tensor<float> Observations { get; }
    void Reset(int seed);
    /// <summary>Steps every environment with actions [N] (on the device).</summary>
    StepTensors Step(Tensor<int> actions);
    /// <summary>Episodes finished since the last call (a small device read; call it every few hundred steps, not every step).</summary>
    IReadOnlyList<EpisodeStats> DrainFinishedEpisodes();
}
