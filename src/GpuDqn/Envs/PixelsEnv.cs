using GpuDqn.Engine;
using GpuDqn.Kernels.Atari;

namespace GpuDqn.Envs;

/// <summary>
/// A vector environment whose observations are stacks of frames built by <see cref="AtariPipeline"/>.
/// Besides the float observations it exposes what a frame-once replay memory stores per step
/// (<see cref="FrameReplayBuffer"/>): the newest frame and the episode-start flag of the observation
/// the last step's actions were taken in.
/// </summary>
public interface IFrameVectorEnv : IVectorEnv
{
    /// <summary>Side of the square frames (84).</summary>
    int FrameSize { get; }
    /// <summary>Frames per observation (4).</summary>
    int StackDepth { get; }
    /// <summary>Newest frame [N, FrameSize, FrameSize] (uint8, device) of the observation the last step's actions were taken in.</summary>
    Tensor<byte> PreviousFrame { get; }
    /// <summary>1 where that observation started an episode [N] (uint8, device).</summary>
    Tensor<byte> PreviousEpisodeStart { get; }
}

/// <summary>
/// pixels-breakout, pixels-freeway, ...: MinAtar games rendered as 210 x 160 RGB screens
/// (<see cref="MinAtarPixels"/>) through the standard Atari pipeline (<see cref="AtariPipeline"/>),
/// so observations are [N, 4, 84, 84] floats in [0, 1] on the device, as for Atari.
/// <para>Pipeline settings (<see cref="Options"/>): skip 1 (a MinAtar step is already a coarse agent
/// step), no no-op or FIRE resets, sticky actions 0.1 (MinAtar's own default, applied by the pipeline),
/// reward clipping on, episodes truncated after 27,000 steps. MinAtar has no lives, so EpisodicLife never
/// fires. Finished episodes report the raw game score.</para>
/// <para><see cref="StepTensors.NextObservations"/> is the same tensor as <see cref="Observations"/>:
/// after an episode end it holds the next episode's first observation, not the true last one (the
/// pipeline does not keep the final stack). Store transitions of this environment with a frame-once
/// replay (<see cref="PreviousFrame"/>), which needs no s'.</para>
/// </summary>
public sealed class PixelsEnv : IFrameVectorEnv
{
    private readonly string id;
    private readonly StepTensors step;
    private readonly int[] hostActions;
    private readonly byte[] flagScratch;
    private readonly List<EpisodeStats> finished = [];
    private MinAtarPixels games;
    private AtariPipeline? pipe;

    /// <summary>The pipeline settings of pixel environments (see the class remarks).</summary>
    public static AtariOptions DefaultOptions => new()
    {
        Skip = 1, NoopMax = 0, FireReset = false, StickyActionProbability = 0.1f, EpisodicLife = true, ClipReward = true,
    };

    public PixelsEnv(string id, Device device, int numEnvs, int seed = 0, AtariOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        this.id = id;
        games = MinAtarPixels.Create(id, numEnvs, (ulong)seed);
        Device = device;
        Options = options ?? DefaultOptions;
        NumEnvs = numEnvs;
        ObservationShape = [Options.StackDepth, Options.FrameSize, Options.FrameSize];
        Observations = device.Zeros<float>([numEnvs, .. ObservationShape]);
        step = new StepTensors(Observations, device.Zeros<float>(numEnvs), device.Zeros<byte>(numEnvs), device.Zeros<byte>(numEnvs));
        hostActions = new int[numEnvs];
        flagScratch = new byte[numEnvs];
    }

    public Device Device { get; }
    public AtariOptions Options { get; }
    public int NumEnvs { get; }
    public int[] ObservationShape { get; }
    public int NumActions => games.ActionSet.Count;
    /// <summary>The ALE action ids of the agent's actions.</summary>
    public IReadOnlyList<int> ActionSet => games.ActionSet;
    public Tensor<float> Observations { get; }
    public int FrameSize => Options.FrameSize;
    public int StackDepth => Options.StackDepth;
    public Tensor<byte> PreviousFrame => Pipe.PreviousFrame;
    public Tensor<byte> PreviousEpisodeStart => Pipe.PreviousEpisodeStart;
    /// <summary>The pipeline (after <see cref="Reset"/>).</summary>
    public AtariPipeline Pipe => pipe ?? throw new InvalidOperationException($"{id}: call Reset(seed) before stepping");

    /// <summary>New games seeded with <paramref name="seed"/> (game randomness, sticky actions) and their first observations.</summary>
    public void Reset(int seed)
    {
        pipe?.Dispose();
        games = MinAtarPixels.Create(id, NumEnvs, (ulong)seed);
        pipe = new AtariPipeline(Device, games, Options with { Seed = (ulong)seed });
        pipe.Reset();
        finished.Clear();
        FrameStack.ToFloat(pipe.Observation, Observations);
    }

    public StepTensors Step(Tensor<int> actions)
    {
        var p = Pipe;
        if (actions.Length != NumEnvs) throw new ArgumentException($"{actions.Length} actions for {NumEnvs} environments", nameof(actions));
        actions.ToArray().CopyTo(hostActions, 0);
        p.Step(hostActions);
        step.Rewards.Upload(p.Rewards);
        Upload(p.Terminated, step.Terminated);
        Upload(p.Truncated, step.Truncated);
        FrameStack.ToFloat(p.Observation, Observations);
        foreach (var g in p.FinishedGames) finished.Add(new EpisodeStats(g.Env, (float)g.Score, g.Steps));
        return step;
    }

    private void Upload(bool[] values, Tensor<byte> dst)
    {
        for (int i = 0; i < values.Length; i++) flagScratch[i] = values[i] ? (byte)1 : (byte)0;
        dst.Upload(flagScratch);
    }

    public IReadOnlyList<EpisodeStats> DrainFinishedEpisodes()
    {
        var list = finished.ToList();
        finished.Clear();
        return list;
    }

    public void Dispose()
    {
        pipe?.Dispose();
        foreach (var b in new IDisposable[] { Observations.Buffer, step.Rewards.Buffer, step.Terminated.Buffer, step.Truncated.Buffer }) b.Dispose();
    }
}
