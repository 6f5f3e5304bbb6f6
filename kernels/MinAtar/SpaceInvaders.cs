namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// MinAtar SpaceInvaders (shared/specs/minatar.md §5), written once for host and kernel.
/// The game is deterministic: it never draws from the random source.
/// <para>
/// State (38 ints). The three boolean 10×10 grids of the reference (aliens, friendly bullets,
/// enemy bullets) are stored as one 10-bit mask per row: bit x of row y is cell (x, y). Whole-grid
/// moves are then shifts: a formation step left is <c>mask &gt;&gt; 1</c>, right <c>mask &lt;&lt; 1</c>,
/// bullets move by copying row masks, and the drop is a rotation of the row masks (row 9 wraps to
/// row 0, quirk §9.7).
/// </para>
/// </summary>
public struct SpaceInvaders : IMinAtarGame
{
    // Scalars.
    internal const int Cannon = 0, Direction = 1, MoveInterval = 2, MoveTimer = 3, ShotTimer = 4,
        Cooldown = 5, Ramp = 6, Terminal = 7;
    // Row masks: AlienRows + y, FriendlyRows + y, EnemyRows + y for y = 0..9.
    internal const int AlienRows = 8, FriendlyRows = 18, EnemyRows = 28, Ints = 38;

    internal const int CooldownReload = 5, AlienShotPeriod = 10, InitialMoveInterval = 12, MinMoveInterval = 6;
    /// <summary>Columns 2..7 of a row: the wave's starting aliens.</summary>
    internal const int WaveRowMask = 0b0011111100;
    private const int Left = -1, Right = 1;

    public readonly int Channels => 6;
    public readonly int StateInts => Ints;

    public readonly void Reset<TMem>(TMem s, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        s.Set(Cannon, 5);
        s.Set(Direction, Left);
        s.Set(MoveInterval, InitialMoveInterval);
        s.Set(MoveTimer, InitialMoveInterval);
        s.Set(ShotTimer, AlienShotPeriod);
        s.Set(Cooldown, 0);
        s.Set(Ramp, 0);
        s.Set(Terminal, 0);
        for (int y = 0; y < 10; y++)
        {
            s.Set(AlienRows + y, y < 4 ? WaveRowMask : 0);
            s.Set(FriendlyRows + y, 0);
            s.Set(EnemyRows + y, 0);
        }
    }

    public readonly int Step<TMem>(TMem s, int action, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        if (s.Get(Terminal) != 0) return 0;
        bool terminal = false;
        int reward = 0;

        // 2. Player.
        int cannon = s.Get(Cannon);
        int cooldown = s.Get(Cooldown);
        if (action == 5 && cooldown == 0)
        {
            s.Set(FriendlyRows + 9, s.Get(FriendlyRows + 9) | (1 << cannon));
            cooldown = CooldownReload;
        }
        else if (action == 1) cannon = cannon > 0 ? cannon - 1 : 0;
        else if (action == 3) cannon = cannon < 9 ? cannon + 1 : 9;
        int cannonBit = 1 << cannon;

        // 3. Friendly bullets move up; row 0 leaves the grid.
        for (int y = 0; y < 9; y++) s.Set(FriendlyRows + y, s.Get(FriendlyRows + y + 1));
        s.Set(FriendlyRows + 9, 0);

        // 4. Enemy bullets move down; row 9 leaves the grid.
        for (int y = 9; y > 0; y--) s.Set(EnemyRows + y, s.Get(EnemyRows + y - 1));
        s.Set(EnemyRows, 0);
        if ((s.Get(EnemyRows + 9) & cannonBit) != 0) terminal = true;

        // 5. Aliens.
        if ((s.Get(AlienRows + 9) & cannonBit) != 0) terminal = true;
        int direction = s.Get(Direction);
        int moveTimer = s.Get(MoveTimer);
        if (moveTimer == 0)
        {
            int count = 0, columns = 0;
            for (int y = 0; y < 10; y++)
            {
                int row = s.Get(AlienRows + y);
                count += PopCount(row);
                columns |= row;
            }
            int interval = s.Get(MoveInterval);
            moveTimer = count < interval ? count : interval;
            if ((direction == Left && (columns & 1) != 0) || (direction == Right && (columns & (1 << 9)) != 0))
            {
                direction = -direction;
                int bottom = s.Get(AlienRows + 9);
                if (bottom != 0) terminal = true;
                for (int y = 9; y > 0; y--) s.Set(AlienRows + y, s.Get(AlienRows + y - 1));
                s.Set(AlienRows, bottom); // the wrap of §9.7 (only in a terminal step)
            }
            else
            {
                for (int y = 0; y < 10; y++)
                {
                    int row = s.Get(AlienRows + y);
                    s.Set(AlienRows + y, direction == Left ? row >> 1 : row << 1);
                }
            }
            if ((s.Get(AlienRows + 9) & cannonBit) != 0) terminal = true;
        }

        // 6. Alien shot: the nearest column with aliens (ties to the left), its lowest alien.
        int shotTimer = s.Get(ShotTimer);
        if (shotTimer == 0)
        {
            shotTimer = AlienShotPeriod;
            int columns = 0;
            for (int y = 0; y < 10; y++) columns |= s.Get(AlienRows + y);
            int column = -1;
            for (int d = 0; d < 10 && column < 0; d++)
            {
                if (cannon - d >= 0 && (columns & (1 << (cannon - d))) != 0) column = cannon - d;
                else if (cannon + d <= 9 && (columns & (1 << (cannon + d))) != 0) column = cannon + d;
            }
            if (column >= 0) // always true: aliens exist here
            {
                int bit = 1 << column;
                int y = 9;
                while (y > 0 && (s.Get(AlienRows + y) & bit) == 0) y--;
                s.Set(EnemyRows + y, s.Get(EnemyRows + y) | bit);
            }
        }

        // 7. Hits: cells holding both an alien and a friendly bullet lose both.
        int remaining = 0;
        for (int y = 0; y < 10; y++)
        {
            int aliens = s.Get(AlienRows + y), bullets = s.Get(FriendlyRows + y);
            int hits = aliens & bullets;
            if (hits != 0)
            {
                reward += PopCount(hits);
                aliens &= ~hits;
                s.Set(AlienRows + y, aliens);
                s.Set(FriendlyRows + y, bullets & ~hits);
            }
            remaining += PopCount(aliens);
        }

        // 8. Timers.
        if (cooldown > 0) cooldown--;
        s.Set(Cooldown, cooldown);
        s.Set(MoveTimer, moveTimer - 1);
        s.Set(ShotTimer, shotTimer - 1);
        s.Set(Cannon, cannon);
        s.Set(Direction, direction);

        // 9. Wave refill (direction, timers and bullets are kept).
        if (remaining == 0)
        {
            int interval = s.Get(MoveInterval);
            if (ramping && interval > MinMoveInterval)
            {
                s.Set(MoveInterval, interval - 1);
                s.Set(Ramp, s.Get(Ramp) + 1);
            }
            for (int y = 0; y < 4; y++) s.Set(AlienRows + y, WaveRowMask);
        }

        if (terminal) s.Set(Terminal, 1);
        return reward;
    }

    public readonly bool IsTerminal<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Terminal) != 0;

    public readonly void Observe<TMem, TObs>(TMem s, ref TObs obs) where TMem : struct, IStateMemory where TObs : struct, IObservationWriter
    {
        obs.Set(0, 9, s.Get(Cannon));
        int directionChannel = s.Get(Direction) == Left ? 2 : 3;
        for (int y = 0; y < 10; y++)
        {
            int aliens = s.Get(AlienRows + y), friendly = s.Get(FriendlyRows + y), enemy = s.Get(EnemyRows + y);
            for (int x = 0; x < 10; x++)
            {
                int bit = 1 << x;
                if ((aliens & bit) != 0)
                {
                    obs.Set(1, y, x);
                    obs.Set(directionChannel, y, x);
                }
                if ((friendly & bit) != 0) obs.Set(4, y, x);
                if ((enemy & bit) != 0) obs.Set(5, y, x);
            }
        }
    }

    public readonly int RampIndex<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Ramp);

    /// <summary>Set bits of a 10-bit row mask (a plain loop: the same code on every backend).</summary>
    internal static int PopCount(int mask)
    {
        int n = 0;
        for (; mask != 0; mask &= mask - 1) n++;
        return n;
    }
}
