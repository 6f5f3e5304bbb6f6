using GpuDqn.Engine;

namespace GpuDqn.Kernels.Atari;

/// <summary>
/// The standard DQN Atari wrappers over a vectorised environment, with auto-reset. On the host,
/// per environment: NoopReset, MaxAndSkip (reward sum, early stop), EpisodicLife, FireReset,
/// ClipReward, truncation and sticky actions. Each step writes the last two raw screens of every
/// environment straight into one host staging buffer, which goes to the device in ONE copy;
/// there <see cref="WarpFrame.RunMaxOfPair"/> (max-pool + grayscale + area resize) and
/// <see cref="FrameStack.Push"/> build the observations.
/// <para>Semantics (docs/atari.md): the observation frame is the max of the two most recent raw
/// screens of the current game (right after a real reset both are the reset screen). A step whose
/// agent episode ends (terminated, or truncated) resets that environment at once: the returned
/// <see cref="Observation"/> is then the first of the next episode (<see cref="EpisodeStart"/> = 1),
/// and the observation the action was taken in is still in <see cref="PreviousFrame"/> /
/// <see cref="PreviousEpisodeStart"/> for a frame-once replay memory.</para>
/// </summary>
public sealed class AtariPipeline : IDisposable
{
    private readonly IVecAtariEnvironment env;
    private readonly int n, noopAction, fireAction;
    private readonly byte[] staging;
    private readonly long flagsOffset;
    private readonly Tensor<byte>[] deviceStaging = new Tensor<byte>[2];
    private readonly Tensor<byte>[] frames = new Tensor<byte>[2];
    private int current;
    private bool started;

    // Per-environment host state.
    private readonly int[] slot, prevRawAction, lives, gameSteps;
    private readonly ulong[] draws;
    private readonly double[] gameScore;
    private readonly AtariGameResult?[] finished;

    public Device Device { get; }
    public AtariOptions Options { get; }
    public int Count => n;
    public IReadOnlyList<int> ActionSet => env.ActionSet;
    public int ActionCount => env.ActionSet.Count;
    /// <summary>Whether FIRE is pressed after resets (FireReset on and the action set has FIRE).</summary>
    public bool UsesFireReset => fireAction >= 0;

    /// <summary>The agent's observations [N, StackDepth, FrameSize, FrameSize], uint8 on the device.</summary>
    public Tensor<byte> Observation { get; }
    /// <summary>The newest frame of each observation [N, FrameSize, FrameSize] (uint8, device).</summary>
    public Tensor<byte> Frame => frames[current];
    /// <summary>1 where the current observation is the first of an agent episode [N] (uint8, device).</summary>
    public Tensor<byte> EpisodeStart => Flags(current);
    /// <summary>The newest frame of the observation the last step's actions were taken in.</summary>
    public Tensor<byte> PreviousFrame => frames[1 - current];
    /// <summary><see cref="EpisodeStart"/> of the observation the last step's actions were taken in.</summary>
    public Tensor<byte> PreviousEpisodeStart => Flags(1 - current);

    /// <summary>The agent's reward of the last step (clipped to its sign when <see cref="AtariOptions.ClipReward"/>).</summary>
    public float[] Rewards { get; }
    /// <summary>The raw game reward of the last step (sum over the skipped frames).</summary>
    public float[] RawRewards { get; }
    /// <summary>The agent's episode ended in a terminal state (game over, or a lost life under EpisodicLife).</summary>
    public bool[] Terminated { get; }
    /// <summary>The agent's episode was cut short (time limit, or the environment's own truncation) and not terminated.</summary>
    public bool[] Truncated { get; }
    /// <summary>The game really ended at the last step (the environment was reset).</summary>
    public bool[] GameOver { get; }
    /// <summary>Lives left after the last step (after any reset that followed it).</summary>
    public int[] Lives { get; }
    /// <summary>Host copy of <see cref="EpisodeStart"/>.</summary>
    public bool[] EpisodeStarts { get; }
    /// <summary>The games that ended at the last step (raw scores, for evaluation).</summary>
    public IReadOnlyList<AtariGameResult> FinishedGames { get; private set; } = [];

    public AtariPipeline(Device device, IVecAtariEnvironment environment, AtariOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(environment);
        Options = options ?? AtariOptions.Training;
        Options.Validate();
        Device = device;
        env = environment;
        n = environment.Count;
        if (n < 1) throw new ArgumentException($"the environment has {n} copies; at least one is needed", nameof(environment));
        var actions = environment.ActionSet;
        if (actions is null || actions.Count == 0) throw new ArgumentException("the environment's action set is empty", nameof(environment));
        noopAction = IndexOf(actions, AtariActions.Noop);
        if (noopAction < 0)
            throw new ArgumentException($"the action set [{string.Join(", ", actions)}] has no NOOP ({AtariActions.Noop}), which NoopReset and resets need", nameof(environment));
        fireAction = Options.FireReset ? IndexOf(actions, AtariActions.Fire) : -1;

        long pairBytes = 2L * AtariFrame.Bytes;
        flagsOffset = n * pairBytes;
        staging = new byte[checked((int)(flagsOffset + n))];
        int fs = Options.FrameSize;
        for (int b = 0; b < 2; b++)
        {
            deviceStaging[b] = device.Zeros<byte>(staging.Length);
            frames[b] = device.Zeros<byte>(n, fs, fs);
        }
        Observation = device.Zeros<byte>(n, Options.StackDepth, fs, fs);

        slot = new int[n];
        prevRawAction = new int[n];
        lives = new int[n];
        gameSteps = new int[n];
        draws = new ulong[n];
        gameScore = new double[n];
        finished = new AtariGameResult?[n];
        Rewards = new float[n];
        RawRewards = new float[n];
        Terminated = new bool[n];
        Truncated = new bool[n];
        GameOver = new bool[n];
        Lives = new int[n];
        EpisodeStarts = new bool[n];
    }

    private static int IndexOf(IReadOnlyList<int> list, int value)
    {
        for (int i = 0; i < list.Count; i++) if (list[i] == value) return i;
        return -1;
    }

    private Tensor<byte> Flags(int buffer) => deviceStaging[buffer].Slice(flagsOffset, n);

    /// <summary>Really resets every environment (no-ops, FIRE) and builds the first observations.</summary>
    public void Reset()
    {
        ForEachEnv(i =>
        {
            RealReset(i);
            Clear(i);
            Lives[i] = lives[i];
            EpisodeStarts[i] = true;
        });
        FinishedGames = [];
        started = true;
        Publish();
    }

    /// <summary>One agent step of every environment with action indices into <see cref="ActionSet"/>.</summary>
    public void Step(ReadOnlySpan<int> actions)
    {
        if (!started) throw new InvalidOperationException("call Reset() before the first Step()");
        if (actions.Length != n) throw new ArgumentException($"{actions.Length} actions for {n} environments", nameof(actions));
        for (int i = 0; i < n; i++)
            if ((uint)actions[i] >= (uint)ActionCount)
                throw new ArgumentOutOfRangeException(nameof(actions), actions[i], $"action {actions[i]} of environment {i} is outside the action set [0, {ActionCount})");
        var acts = actions.ToArray();
        ForEachEnv(i => StepEnv(i, acts[i]));
        var games = new List<AtariGameResult>();
        foreach (var g in finished) if (g is { } r) games.Add(r);
        FinishedGames = games;
        Publish();
    }

    private void ForEachEnv(Action<int> body)
    {
        if (Options.ParallelEnvironments && n > 1) Parallel.For(0, n, body);
        else for (int i = 0; i < n; i++) body(i);
    }

    private void Clear(int i)
    {
        finished[i] = null;
        Rewards[i] = RawRewards[i] = 0;
        Terminated[i] = Truncated[i] = GameOver[i] = false;
    }

    private void StepEnv(int i, int action)
    {
        Clear(i);
        var (reward, term, trunc, lifeNow) = Repeat(i, action, ref gameScore[i]);
        gameSteps[i]++;
        if (!term && !trunc && Options.MaxEpisodeSteps > 0 && gameSteps[i] >= Options.MaxEpisodeSteps) trunc = true;
        bool gameOver = term || trunc;
        bool lifeLost = Options.EpisodicLife && !gameOver && lifeNow < lives[i] && lifeNow > 0;
        lives[i] = lifeNow;
        RawRewards[i] = reward;
        Rewards[i] = Options.ClipReward ? MathF.Sign(reward) : reward;
        Terminated[i] = term || lifeLost;
        Truncated[i] = trunc && !term;
        GameOver[i] = gameOver;
        if (gameOver)
        {
            finished[i] = new AtariGameResult(i, gameScore[i], gameSteps[i], trunc && !term);
            RealReset(i);
        }
        else if (lifeLost && fireAction >= 0)
        {
            // The agent's new episode starts like a reset: press FIRE (a full skip step; its reward counts for the game only).
            var (_, t2, u2, l2) = Repeat(i, fireAction, ref gameScore[i]);
            lives[i] = l2;
            if (t2 || u2)
            {
                finished[i] = new AtariGameResult(i, gameScore[i], gameSteps[i], u2 && !t2);
                GameOver[i] = true;
                RealReset(i);
            }
        }
        Lives[i] = lives[i];
        EpisodeStarts[i] = Terminated[i] || Truncated[i];
    }

    /// <summary>MaxAndSkip: the action for up to Skip raw frames, stopping when the game ends.</summary>
    private (float Reward, bool Terminated, bool Truncated, int Lives) Repeat(int i, int action, ref double score)
    {
        float reward = 0;
        int livesNow = lives[i];
        for (int k = 0; k < Options.Skip; k++)
        {
            var r = RawStep(i, action);
            reward += r.Reward;
            score += r.Reward;
            livesNow = r.Lives;
            if (r.Terminated || r.Truncated) return (reward, r.Terminated, r.Truncated && !r.Terminated, livesNow);
        }
        return (reward, false, false, livesNow);
    }

    /// <summary>One raw frame (sticky actions applied) into the other slot of the environment's pair.</summary>
    private AtariRawStep RawStep(int i, int action)
    {
        float p = Options.StickyActionProbability;
        if (p > 0 && CounterRng.Uniform(Options.Seed, (ulong)i, draws[i]++) < p) action = prevRawAction[i];
        prevRawAction[i] = action;
        slot[i] = 1 - slot[i];
        return env.Step(i, action, Screen(i, slot[i]));
    }

    private Span<byte> Screen(int i, int s) => staging.AsSpan(checked((int)((2L * i + s) * AtariFrame.Bytes)), AtariFrame.Bytes);

    /// <summary>A real reset: new game, NoopReset, FireReset; again if the game ends on the way.</summary>
    private void RealReset(int i)
    {
        for (int attempt = 0; attempt < Options.MaxResetAttempts; attempt++)
        {
            slot[i] = 0;
            env.Reset(i, Screen(i, 0));
            Screen(i, 0).CopyTo(Screen(i, 1));
            prevRawAction[i] = noopAction;
            lives[i] = env.Lives(i);
            gameSteps[i] = 0;
            gameScore[i] = 0;
            bool ended = false;
            if (Options.NoopMax > 0)
            {
                int noops = 1 + CounterRng.Below(Options.Seed, (ulong)i, draws[i]++, Options.NoopMax);
                for (int j = 0; j < noops && !ended; j++)
                {
                    var r = RawStep(i, noopAction);
                    gameScore[i] += r.Reward;
                    ended = r.Terminated || r.Truncated;
                }
            }
            if (!ended && fireAction >= 0)
            {
                var (_, t, u, _) = Repeat(i, fireAction, ref gameScore[i]);
                ended = t || u;
            }
            if (!ended)
            {
                lives[i] = env.Lives(i);
                return;
            }
        }
        throw new InvalidOperationException($"environment {i}: the game ended during the reset sequence (no-ops / FIRE) {Options.MaxResetAttempts} times in a row");
    }

    /// <summary>One upload of every pair and flag, then max-pool + warp and the stack push on the device.</summary>
    private void Publish()
    {
        for (int i = 0; i < n; i++) staging[flagsOffset + i] = EpisodeStarts[i] ? (byte)1 : (byte)0;
        current = 1 - current;
        var dst = deviceStaging[current];
        dst.Upload(staging);
        var pairs = new Tensor<byte>(dst.Buffer, dst.Offset, n, 2, AtariFrame.Height, AtariFrame.Width, AtariFrame.Channels);
        WarpFrame.RunMaxOfPair(pairs, frames[current]);
        FrameStack.Push(Observation, frames[current], Flags(current));
    }

    public void Dispose()
    {
        foreach (var t in deviceStaging) t.Buffer.Dispose();
        foreach (var t in frames) t.Buffer.Dispose();
        Observation.Buffer.Dispose();
    }
}
