namespace GpuDqn.Kernels.Atari;

/// <summary>
/// The wrapper settings of <see cref="AtariPipeline"/> (../../shared/specs/atari-preprocessing.md).
/// <see cref="Training"/> and <see cref="Evaluation"/> are the literature's two configurations.
/// </summary>
public sealed record AtariOptions
{
    /// <summary>NoopReset: after each real reset, 1 + uniform[0, NoopMax) no-ops; 0 turns it off.</summary>
    public int NoopMax { get; init; } = 30;
    /// <summary>MaxAndSkip: raw frames per agent step.</summary>
    public int Skip { get; init; } = 4;
    /// <summary>EpisodicLife: a lost life ends the agent's episode (terminated); the game goes on.</summary>
    public bool EpisodicLife { get; init; } = true;
    /// <summary>FireReset: press FIRE after a reset (and after a lost life under EpisodicLife) when the action set has FIRE.</summary>
    public bool FireReset { get; init; } = true;
    /// <summary>ClipReward: the agent's reward is sign(raw reward).</summary>
    public bool ClipReward { get; init; } = true;
    /// <summary>Agent steps per game before it is truncated (27,000 = 108,000 raw frames at skip 4); 0 = no limit.</summary>
    public int MaxEpisodeSteps { get; init; } = 27_000;
    /// <summary>Sticky actions (Machado et al. 2018): each raw frame repeats the previous raw action with this probability.</summary>
    public float StickyActionProbability { get; init; }
    /// <summary>WarpFrame output side (square frames).</summary>
    public int FrameSize { get; init; } = WarpFrame.Size;
    /// <summary>FrameStack depth.</summary>
    public int StackDepth { get; init; } = FrameStack.Depth;
    /// <summary>Seed of the no-op counts and sticky-action draws (CounterRng, one stream per environment).</summary>
    public ulong Seed { get; init; }
    /// <summary>Step the environments on several host threads (they must allow it; see <see cref="IVecAtariEnvironment"/>).</summary>
    public bool ParallelEnvironments { get; init; } = true;
    /// <summary>Resets in a row that may end during their no-ops / FIRE before the pipeline gives up.</summary>
    public int MaxResetAttempts { get; init; } = 100;

    public static AtariOptions Training => new();
    public static AtariOptions Evaluation => new() { EpisodicLife = false, ClipReward = false };

    internal void Validate()
    {
        if (NoopMax < 0) throw new ArgumentOutOfRangeException(nameof(NoopMax), NoopMax, "NoopMax must be >= 0");
        if (Skip < 1) throw new ArgumentOutOfRangeException(nameof(Skip), Skip, "Skip must be >= 1");
        if (MaxEpisodeSteps < 0) throw new ArgumentOutOfRangeException(nameof(MaxEpisodeSteps), MaxEpisodeSteps, "MaxEpisodeSteps must be >= 0 (0 = no limit)");
        if (!(StickyActionProbability >= 0 && StickyActionProbability < 1))
            throw new ArgumentOutOfRangeException(nameof(StickyActionProbability), StickyActionProbability, "StickyActionProbability must be in [0, 1)");
        if (FrameSize < 1 || FrameSize > AtariFrame.Width)
            throw new ArgumentOutOfRangeException(nameof(FrameSize), FrameSize, $"FrameSize must be in [1, {AtariFrame.Width}]");
        if (StackDepth < 1) throw new ArgumentOutOfRangeException(nameof(StackDepth), StackDepth, "StackDepth must be >= 1");
        if (MaxResetAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxResetAttempts), MaxResetAttempts, "MaxResetAttempts must be >= 1");
    }
}

/// <summary>A game that ended (a real reset followed): its raw score and agent steps.</summary>
public readonly record struct AtariGameResult(int Env, double Score, int Steps, bool Truncated);
