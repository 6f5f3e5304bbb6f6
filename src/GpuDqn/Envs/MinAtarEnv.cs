using GpuDqn.Engine;
using GpuDqn.Kernels.MinAtar;

namespace GpuDqn.Envs;

/// <summary>MinAtar games (minatar-breakout, ...) as an <see cref="IVectorEnv"/>: stepped by one
/// kernel launch per step, observations [N, C, 10, 10]. MinAtar episodes end only by terminal.</summary>
public sealed class MinAtarEnv : IVectorEnv
{
    private readonly MinAtarVec vec;
    private readonly StepTensors step;

    public MinAtarEnv(string id, Device device, int numEnvs, MinAtarOptions? options = null)
    {
        vec = MinAtarVec.Create(id, device, numEnvs, options);
        Device = device;
        ObservationShape = [vec.Channels, 10, 10];
        Observations = device.Zeros<float>(numEnvs, vec.Channels, 10, 10);
        step = new StepTensors(device.Zeros<float>(numEnvs, vec.Channels, 10, 10), device.Zeros<float>(numEnvs),
            device.Zeros<byte>(numEnvs), device.Zeros<byte>(numEnvs));
    }

    public Device Device { get; }
    public int NumEnvs => vec.NumEnvs;
    public int[] ObservationShape { get; }
    public int NumActions => vec.NumActions;
    public Tensor<float> Observations { get; }

    public void Reset(int seed) => vec.Reset((ulong)seed, Observations);

    public StepTensors Step(Tensor<int> actions)
    {
        vec.Step(actions, step.Rewards, step.Terminated, Observations, step.NextObservations);
        return step;
    }

    public IReadOnlyList<EpisodeStats> DrainFinishedEpisodes()
    {
        var s = vec.ReadFinishedEpisodes(clear: true);
        var list = new List<EpisodeStats>(s.Returns.Length);
        for (int i = 0; i < s.Returns.Length; i++) list.Add(new EpisodeStats(s.Envs[i], s.Returns[i], s.Lengths[i]));
        return list;
    }

    public void Dispose() => vec.Dispose();
}
