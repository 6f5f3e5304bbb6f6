namespace GpuDqn.Envs;

/// <summary>The result of one <see cref="IEnvironment.Step"/>, as Gymnasium's step tuple.</summary>
/// <param name="Observation">The observation after the step (the last one if the episode ended).</param>
/// <param name="Terminated">The episode reached a terminal state: the TD target does not bootstrap.</param>
/// <param name="Truncated">The episode was cut (time limit): the TD target still bootstraps from the observation.</param>
public readonly record struct StepResult(float[] Observation, float Reward, bool Terminated, bool Truncated);

/// <summary>
/// A user-defined environment stepped on the host, with Gymnasium's reset/step semantics.
/// Implement this to train GpuDqn on your own problem: <see cref="HostVectorEnv"/> runs N
/// copies, resets finished episodes automatically and moves each step's observations to the
/// device in one copy.
/// </summary>
public interface IEnvironment
{
    /// <summary>Shape of one observation (e.g. [4]).</summary>
    int[] ObservationShape { get; }
    /// <summary>Actions are 0 .. NumActions-1.</summary>
    int NumActions { get; }
    /// <summary>Starts an episode and returns its first observation. A seed, when given, makes the episode reproducible.</summary>
    float[] Reset(int? seed = null);
    /// <summary>Applies an action. After terminated or truncated, the next call must be Reset.</summary>
    StepResult Step(int action);
}
