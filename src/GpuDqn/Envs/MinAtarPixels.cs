using GpuDqn.Kernels;
using GpuDqn.Kernels.Atari;
using GpuDqn.Kernels.MinAtar;

namespace GpuDqn.Envs;

/// <summary>
/// N MinAtar games rendered as Atari screens (210 x 160 x 3 RGB uint8), stepped on the host with
/// the game structs themselves (the same code as <see cref="MinAtarVec"/>), so the Atari pipeline
/// (<see cref="AtariPipeline"/>) and the Nature network can be trained end to end without an
/// emulator. Cell (y, x) of the 10 x 10 grid is the block of rows [21y, 21y + 21) and columns
/// [16x, 16x + 16); a cell with channel c set takes <see cref="Palette"/>[c], later channels drawn
/// over earlier ones, empty cells are black. The palette's colours have distinct luminance (about 22
/// gray levels apart), so channels stay distinguishable after the pipeline's grayscale conversion.
/// <para>Actions: <see cref="ActionSet"/> is the game's minimal MinAtar action set as ALE ids
/// (MinAtar 0 noop, 1 left, 2 up, 3 right, 4 down, 5 fire → NOOP, LEFT, UP, RIGHT, DOWN, FIRE).
/// MinAtar has no lives: <see cref="Lives"/> is always 1 and never drops. MinAtar's own sticky
/// actions are not applied here (set <see cref="AtariOptions.StickyActionProbability"/> instead).
/// Game randomness is CounterRng(seed, stream = env index, per-env counter).</para>
/// </summary>
public abstract class MinAtarPixels : IVecAtariEnvironment
{
    /// <summary>The pixel environment ids, in the order of <see cref="MinAtarVec.EnvIds"/>.</summary>
    public static readonly string[] EnvIds =
        ["pixels-breakout", "pixels-freeway", "pixels-asterix", "pixels-space_invaders", "pixels-seaquest"];

    /// <summary>Rows and columns of one grid cell on the 210 x 160 screen.</summary>
    public const int CellHeight = AtariFrame.Height / 10, CellWidth = AtariFrame.Width / 10;

    /// <summary>RGB of channel c (luminance 48 + 22c, rounded).</summary>
    public static readonly byte[][] Palette =
    [
        [161, 0, 0], [46, 46, 255], [223, 0, 223], [0, 194, 0], [94, 134, 255],
        [255, 136, 17], [4, 255, 255], [164, 255, 28], [253, 253, 0], [246, 246, 246],
    ];

    /// <summary>MinAtar action (0 noop, 1 left, 2 up, 3 right, 4 down, 5 fire) → ALE action id.</summary>
    public static readonly int[] AtariIdOfMinAtarAction =
        [AtariActions.Noop, AtariActions.Left, AtariActions.Up, AtariActions.Right, AtariActions.Down, AtariActions.Fire];

    /// <summary>Opens <paramref name="count"/> games of a pixels-* id (not yet reset), seeded with <paramref name="seed"/>.</summary>
    public static MinAtarPixels Create(string id, int count, ulong seed, bool ramping = true)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "count must be >= 1");
        return id switch
        {
            "pixels-breakout" => new Game<Breakout>(count, seed, ramping, [0, 1, 3]),
            "pixels-freeway" => new Game<Freeway>(count, seed, ramping, [0, 2, 4]),
            "pixels-asterix" => new Game<Asterix>(count, seed, ramping, [0, 1, 2, 3, 4]),
            "pixels-space_invaders" => new Game<SpaceInvaders>(count, seed, ramping, [0, 1, 3, 5]),
            "pixels-seaquest" => new Game<Seaquest>(count, seed, ramping, [0, 1, 2, 3, 4, 5]),
            _ => throw new ArgumentException($"unknown pixels env id '{id}'; valid ids: {string.Join(", ", EnvIds)}", nameof(id)),
        };
    }

    private readonly int[] minimalSet;
    protected readonly int[] State;
    protected readonly ulong[] Counters;
    /// <summary>Per env: 100 cells, 0 = empty, c + 1 = channel c drawn on top.</summary>
    protected readonly byte[] Cells;

    protected MinAtarPixels(int count, ulong seed, bool ramping, int channels, int stateInts, int[] minimalSet)
    {
        Count = count;
        Seed = seed;
        Ramping = ramping;
        Channels = channels;
        StateInts = stateInts;
        this.minimalSet = minimalSet;
        ActionSet = minimalSet.Select(a => AtariIdOfMinAtarAction[a]).ToArray();
        State = new int[checked(count * stateInts)];
        Counters = new ulong[count];
        Cells = new byte[count * 100];
    }

    public int Count { get; }
    public ulong Seed { get; }
    public bool Ramping { get; }
    /// <summary>Channels of the underlying MinAtar observation.</summary>
    public int Channels { get; }
    public int StateInts { get; }
    public IReadOnlyList<int> ActionSet { get; }
    /// <summary>The game's minimal action set as MinAtar actions.</summary>
    public IReadOnlyList<int> MinAtarActionSet => minimalSet;

    public int Lives(int env) => 1;

    public void Reset(int env, Span<byte> frame)
    {
        CheckEnv(env);
        ResetGame(env);
        Render(env, frame);
    }

    public AtariRawStep Step(int env, int action, Span<byte> frame)
    {
        CheckEnv(env);
        if ((uint)action >= (uint)minimalSet.Length)
            throw new ArgumentOutOfRangeException(nameof(action), action, $"action index {action} is outside the action set [0, {minimalSet.Length})");
        int reward = StepGame(env, minimalSet[action], out bool terminal);
        Render(env, frame);
        return new AtariRawStep(reward, terminal, false, 1);
    }

    /// <summary>The current 10 x 10 grid of <paramref name="env"/>: 0 empty, c + 1 = channel c on top.</summary>
    public byte[] Grid(int env)
    {
        CheckEnv(env);
        FillGrid(env);
        return Cells.AsSpan(env * 100, 100).ToArray();
    }

    /// <summary>Draws a grid (0 empty, c + 1 = channel c) as a 210 x 160 x 3 screen.</summary>
    public static void Draw(ReadOnlySpan<byte> cells, Span<byte> frame)
    {
        if (cells.Length != 100) throw new ArgumentException($"a grid has 100 cells, got {cells.Length}", nameof(cells));
        if (frame.Length != AtariFrame.Bytes) throw new ArgumentException($"a frame has {AtariFrame.Bytes} bytes, got {frame.Length}", nameof(frame));
        Span<byte> row = stackalloc byte[AtariFrame.Width * 3];
        for (int gy = 0; gy < 10; gy++)
        {
            for (int gx = 0; gx < 10; gx++)
            {
                int c = cells[gy * 10 + gx];
                var block = row.Slice(gx * CellWidth * 3, CellWidth * 3);
                if (c == 0) { block.Clear(); continue; }
                var rgb = Palette[c - 1];
                for (int p = 0; p < CellWidth; p++)
                {
                    block[3 * p] = rgb[0];
                    block[3 * p + 1] = rgb[1];
                    block[3 * p + 2] = rgb[2];
                }
            }
            for (int y = gy * CellHeight; y < (gy + 1) * CellHeight; y++)
                row.CopyTo(frame.Slice(y * AtariFrame.Width * 3, AtariFrame.Width * 3));
        }
    }

    private void Render(int env, Span<byte> frame)
    {
        FillGrid(env);
        Draw(Cells.AsSpan(env * 100, 100), frame);
    }

    private void CheckEnv(int env)
    {
        if ((uint)env >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(env), env, $"environment index must be in [0, {Count})");
    }

    protected abstract void ResetGame(int env);
    protected abstract int StepGame(int env, int minAtarAction, out bool terminal);
    /// <summary>Writes the current grid of <paramref name="env"/> into Cells[env * 100, +100).</summary>
    protected abstract void FillGrid(int env);

    private sealed class Game<TGame>(int count, ulong seed, bool ramping, int[] minimalSet)
        : MinAtarPixels(count, seed, ramping, default(TGame).Channels, default(TGame).StateInts, minimalSet)
        where TGame : struct, IMinAtarGame
    {
        private ArrayMemory Mem(int env) => new(State, env * StateInts);

        protected override void ResetGame(int env)
        {
            var rng = new EnvRandom(Seed, (ulong)env, Counters[env]);
            default(TGame).Reset(Mem(env), ref rng, Ramping);
            Counters[env] = rng.Counter;
        }

        protected override int StepGame(int env, int minAtarAction, out bool terminal)
        {
            var rng = new EnvRandom(Seed, (ulong)env, Counters[env]);
            int reward = default(TGame).Step(Mem(env), minAtarAction, ref rng, Ramping);
            Counters[env] = rng.Counter;
            terminal = default(TGame).IsTerminal(Mem(env));
            return reward;
        }

        protected override void FillGrid(int env)
        {
            Array.Clear(Cells, env * 100, 100);
            var w = new TopChannel(Cells, env * 100);
            default(TGame).Observe(Mem(env), ref w);
        }
    }

    /// <summary>Keeps the highest channel of every reported cell (later channels are drawn over earlier ones).</summary>
    private readonly struct TopChannel(byte[] cells, int baseIndex) : IObservationWriter
    {
        private readonly byte[] cells = cells;
        private readonly int baseIndex = baseIndex;
        public void Set(int channel, int y, int x)
        {
            ref byte c = ref cells[baseIndex + y * 10 + x];
            if (channel + 1 > c) c = (byte)(channel + 1);
        }
    }
}
