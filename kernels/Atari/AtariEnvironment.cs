namespace GpuDqn.Kernels.Atari;

/// <summary>The raw Atari screen every <see cref="IAtariEnvironment"/> produces: 210 x 160 RGB, uint8, row-major HWC.</summary>
public static class AtariFrame
{
    public const int Height = 210, Width = 160, Channels = 3;
    /// <summary>Bytes of one raw frame (100,800).</summary>
    public const int Bytes = Height * Width * Channels;
}

/// <summary>The ALE's action numbering (its full 18-action set); an action set lists a subset of these.</summary>
public static class AtariActions
{
    public const int Noop = 0, Fire = 1, Up = 2, Right = 3, Left = 4, Down = 5, UpRight = 6, UpLeft = 7, DownRight = 8, DownLeft = 9,
        UpFire = 10, RightFire = 11, LeftFire = 12, DownFire = 13, UpRightFire = 14, UpLeftFire = 15, DownRightFire = 16, DownLeftFire = 17;
}

/// <summary>What one raw (emulator) frame step returns besides the frame itself.</summary>
/// <param name="Reward">The raw game score change of this frame.</param>
/// <param name="Terminated">The game is over (the true MDP end).</param>
/// <param name="Truncated">The environment itself cut the game short (its own time limit).</param>
/// <param name="Lives">Lives left after this frame (0 for games without lives).</param>
public readonly record struct AtariRawStep(float Reward, bool Terminated, bool Truncated, int Lives);

/// <summary>
/// The contract for any environment that produces Atari screens (an emulator binding, a
/// recorded game, a test script). It works at the raw frame level: no frame skipping, no
/// resizing, no reward clipping — <see cref="AtariPipeline"/> adds all of that.
/// <list type="bullet">
/// <item><see cref="ActionSet"/>: the game's actions as ALE action ids (<see cref="AtariActions"/>); the agent's
/// action index i means ActionSet[i]. It must contain NOOP (0); FireReset applies when it contains FIRE (1).</item>
/// <item><see cref="Reset"/> starts a new game and writes its first screen; <see cref="Step"/> advances one
/// frame with an action index and writes the new screen. Screens are <see cref="AtariFrame.Bytes"/> bytes
/// (210 x 160 x 3, RGB, row-major HWC) written into the span the caller gives (the pipeline's upload
/// buffer, so no copy is needed).</item>
/// <item>After a step that returned Terminated or Truncated, the next call is <see cref="Reset"/>.</item>
/// <item>Randomness of the game itself is the environment's own business (seeded when it is built).</item>
/// </list>
/// </summary>
public interface IAtariEnvironment
{
    IReadOnlyList<int> ActionSet { get; }
    /// <summary>Lives left now (0 for games without lives).</summary>
    int Lives { get; }
    void Reset(Span<byte> frame);
    AtariRawStep Step(int action, Span<byte> frame);
}

/// <summary>
/// N Atari environments driven together (what <see cref="AtariPipeline"/> consumes). The same
/// contract as <see cref="IAtariEnvironment"/> per environment index; every environment has
/// the same <see cref="ActionSet"/>. Calls for <b>different</b> environment indices may run
/// concurrently (the pipeline steps environments in parallel); calls for one index never do.
/// </summary>
public interface IVecAtariEnvironment
{
    int Count { get; }
    IReadOnlyList<int> ActionSet { get; }
    int Lives(int env);
    void Reset(int env, Span<byte> frame);
    AtariRawStep Step(int env, int action, Span<byte> frame);
}

/// <summary>N independent <see cref="IAtariEnvironment"/> instances as one <see cref="IVecAtariEnvironment"/>.</summary>
public sealed class VecAtariEnvironment : IVecAtariEnvironment
{
    private readonly IAtariEnvironment[] envs;

    public VecAtariEnvironment(IEnumerable<IAtariEnvironment> environments)
    {
        ArgumentNullException.ThrowIfNull(environments);
        envs = environments.ToArray();
        if (envs.Length == 0) throw new ArgumentException("at least one environment is needed", nameof(environments));
        if (envs.Any(e => e is null)) throw new ArgumentException("an environment is null", nameof(environments));
        ActionSet = envs[0].ActionSet.ToArray();
        for (int i = 1; i < envs.Length; i++)
            if (!envs[i].ActionSet.SequenceEqual(ActionSet))
                throw new ArgumentException($"environment {i} has action set [{string.Join(", ", envs[i].ActionSet)}] but environment 0 has [{string.Join(", ", ActionSet)}]", nameof(environments));
    }

    public int Count => envs.Length;
    public IReadOnlyList<int> ActionSet { get; }
    public IAtariEnvironment this[int env] => envs[env];
    public int Lives(int env) => envs[env].Lives;
    public void Reset(int env, Span<byte> frame) => envs[env].Reset(frame);
    public AtariRawStep Step(int env, int action, Span<byte> frame) => envs[env].Step(action, frame);
}
