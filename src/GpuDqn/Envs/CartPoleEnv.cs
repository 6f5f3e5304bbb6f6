using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Envs;

/// <summary>CartPole-v1 as an <see cref="IVectorEnv"/>: all environments stepped by one kernel
/// (or one host loop) per step, observations [N, 4], truncation at 500 steps.</summary>
public sealed class CartPoleEnv : IVectorEnv
{
    private readonly CartPoleVec vec;
    private readonly StepTensors step;

    /// <param name="logSize">Finished episodes kept per environment between two drains (older ones only count as lost).</param>
    public CartPoleEnv(Device device, int numEnvs, int logSize = 256)
    {
        vec = new CartPoleVec(device, numEnvs, logSize);
        step = new StepTensors(vec.NextObs, vec.Rewards, vec.Terminated, vec.Truncated);
    }

    public Device Device => vec.Device;
    public int NumEnvs => vec.NumEnvs;
    public int[] ObservationShape => [vec.ObsDim];
    public int NumActions => vec.NumActions;
    public Tensor<float> Observations => vec.Obs;

    public void Reset(int seed) => vec.Reset((ulong)seed);

    public StepTensors Step(Tensor<int> actions)
    {
        vec.Step(actions);
        return step;
    }

    public IReadOnlyList<EpisodeStats> DrainFinishedEpisodes() =>
        vec.DrainEpisodes(out _).Select(e => new EpisodeStats(e.Env, e.Return, e.Length)).ToList();

    public void Dispose() { }
}
