using GpuDqn.Kernels.Atari;

namespace GpuDqn.Tests.Atari;

/// <summary>
/// A fake Atari game for the pipeline tests. Every screen is one uniform gray level that
/// encodes (game, raw frame since reset), so after WarpFrame each processed frame is exactly
/// that level and the tests can tell which raw frames an observation came from.
/// </summary>
internal sealed class ScriptedAtari : IAtariEnvironment
{
    private readonly Func<int, int> gameLength;
    private readonly Func<int, int, float> reward;
    private readonly HashSet<int> lifeLossAt;
    private readonly int startLives, truncateAt;

    /// <param name="gameLength">raw frames after which game g terminates</param>
    /// <param name="reward">raw reward of frame t (1-based, since reset) of game g</param>
    /// <param name="lifeLossAt">raw frames (since reset) at which a life is lost</param>
    /// <param name="truncateAt">raw frame at which the environment truncates the game itself</param>
    public ScriptedAtari(int[] actionSet, Func<int, int> gameLength, Func<int, int, float>? reward = null,
        int lives = 0, int[]? lifeLossAt = null, int truncateAt = int.MaxValue)
    {
        ActionSet = actionSet;
        this.gameLength = gameLength;
        this.reward = reward ?? ((_, _) => 0f);
        startLives = lives;
        this.lifeLossAt = [.. lifeLossAt ?? []];
        this.truncateAt = truncateAt;
    }

    public IReadOnlyList<int> ActionSet { get; }
    public int Lives { get; private set; }
    /// <summary>Games started so far minus one (the current game's index).</summary>
    public int Game { get; private set; } = -1;
    /// <summary>Raw frames stepped since the last reset.</summary>
    public int T { get; private set; }
    public bool Over { get; private set; }
    /// <summary>Every raw step: (game, frame index after the step, action index).</summary>
    public List<(int Game, int T, int Action)> Log { get; } = [];

    public static byte Gray(int game, int t) => (byte)((game * 53 + t * 37) % 251 + 2);

    /// <summary>The observation frame the pipeline should show now: max of the last two raw screens.</summary>
    public byte Expected => T == 0 ? Gray(Game, 0) : Math.Max(Gray(Game, T - 1), Gray(Game, T));

    public void Reset(Span<byte> frame)
    {
        Game++;
        T = 0;
        Over = false;
        Lives = startLives;
        frame.Fill(Gray(Game, 0));
    }

    public AtariRawStep Step(int action, Span<byte> frame)
    {
        if (Over) throw new InvalidOperationException("step after the game ended without a reset");
        if ((uint)action >= (uint)ActionSet.Count) throw new ArgumentOutOfRangeException(nameof(action));
        T++;
        Log.Add((Game, T, action));
        if (lifeLossAt.Contains(T) && Lives > 0) Lives--;
        bool term = T >= gameLength(Game);
        bool trunc = !term && T >= truncateAt;
        Over = term || trunc;
        frame.Fill(Gray(Game, T));
        return new AtariRawStep(reward(Game, T), term, trunc, Lives);
    }
}
