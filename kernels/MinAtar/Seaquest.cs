namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// MinAtar Seaquest (shared/specs/minatar.md §6), written once for host and kernel.
/// <para>
/// State (96 ints). The reference's ordered lists become fixed-slot arrays kept in list order
/// (oldest first, new objects appended, a removal shifts the later slots down), so "newest
/// first" is a descending slot loop and "the oldest on that cell" is the first match of an
/// ascending search. Each object is packed into one int (see <see cref="Pack"/>).
/// <list type="bullet">
/// <item>friendly bullets: 2 slots (§6.4 bound);</item>
/// <item>divers: 2 slots;</item>
/// <item>fish and enemy subs share one list of 60 slots with a kind bit: each kind's own order is
/// the shared list's order restricted to it, and 60 bounds the two kinds together (§6.4);</item>
/// <item>enemy bullets are order-free and pass through everything (§6.3 step 8), and two on one
/// cell with one direction are indistinguishable, so they are stored as a set: one 10-bit row
/// mask per direction for rows 1..8 (no capacity limit at all). A bullet fired from off-grid
/// (a sub that has just left) would be removed at once without effect, so it is not stored.</item>
/// </list>
/// </para>
/// </summary>
public struct Seaquest : IMinAtarGame
{
    // Scalars.
    internal const int SubX = 0, SubY = 1, FacingRight = 2, Oxygen = 3, DiverCount = 4, SpawnPeriod = 5,
        SpawnTimer = 6, DiverTimer = 7, MoveSpeed = 8, Cooldown = 9, Surfaced = 10, Ramp = 11, Terminal = 12,
        BulletCount = 13, DiverSlotCount = 14, EnemyCount = 15;
    // Lists (oldest first).
    internal const int Bullets = 16, BulletSlots = 2;
    internal const int Divers = 18, DiverSlots = 2;
    /// <summary>Enemy bullet row masks: RightBullets + y - 1 and LeftBullets + y - 1 for rows y = 1..8.</summary>
    internal const int RightBullets = 20, LeftBullets = 28;
    internal const int Enemies = 36, EnemySlots = 60;
    internal const int Ints = Enemies + EnemySlots;

    internal const int MaxOxygen = 200, CooldownReload = 5, SubShotReload = 10, DiverMoveReload = 5,
        DiverSpawnPeriod = 30, InitialSpawnPeriod = 20, InitialMoveSpeed = 5, MaxDivers = 6;

    public readonly int Channels => 10;
    public readonly int StateInts => Ints;

    // ---- packed object: x (bits 0-3), y (4-7), right (8), sub (9), move timer (10-13), shot timer (14-17)
    internal static int Pack(int x, int y, bool right, bool sub, int moveTimer, int shotTimer) =>
        x | (y << 4) | (right ? 1 << 8 : 0) | (sub ? 1 << 9 : 0) | (moveTimer << 10) | (shotTimer << 14);
    internal static int X(int o) => o & 15;
    internal static int Y(int o) => (o >> 4) & 15;
    internal static bool IsRight(int o) => (o & (1 << 8)) != 0;
    internal static bool IsSub(int o) => (o & (1 << 9)) != 0;
    internal static int MoveTimerOf(int o) => (o >> 10) & 15;
    internal static int ShotTimerOf(int o) => (o >> 14) & 15;

    public readonly void Reset<TMem>(TMem s, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        s.Set(SubX, 5);
        s.Set(SubY, 0);
        s.Set(FacingRight, 0);
        s.Set(Oxygen, MaxOxygen);
        s.Set(DiverCount, 0);
        s.Set(SpawnPeriod, InitialSpawnPeriod);
        s.Set(SpawnTimer, InitialSpawnPeriod);
        s.Set(DiverTimer, DiverSpawnPeriod);
        s.Set(MoveSpeed, InitialMoveSpeed);
        s.Set(Cooldown, 0);
        s.Set(Surfaced, 1);
        s.Set(Ramp, 0);
        s.Set(Terminal, 0);
        s.Set(BulletCount, 0);
        s.Set(DiverSlotCount, 0);
        s.Set(EnemyCount, 0);
        for (int i = Bullets; i < Ints; i++) s.Set(i, 0);
    }

    public readonly int Step<TMem>(TMem s, int action, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        if (s.Get(Terminal) != 0) return 0;
        bool terminal = false;
        int reward = 0;
        int moveSpeed = s.Get(MoveSpeed);
        int nEnemies = s.Get(EnemyCount), nBullets = s.Get(BulletCount), nDivers = s.Get(DiverSlotCount);

        // 2. Enemy spawn (all three draws happen before the conflict rule).
        int spawnTimer = s.Get(SpawnTimer);
        if (spawnTimer == 0)
        {
            bool right = rng.Coin();
            bool sub = rng.Below(3) == 0;
            int y = 1 + rng.Below(8);
            bool conflict = false;
            for (int i = 0; i < nEnemies; i++)
            {
                int e = s.Get(Enemies + i);
                if (Y(e) == y && IsRight(e) != right) conflict = true;
            }
            if (!conflict && nEnemies < EnemySlots)
            {
                s.Set(Enemies + nEnemies, Pack(right ? 0 : 9, y, right, sub, moveSpeed, SubShotReload));
                nEnemies++;
            }
            spawnTimer = s.Get(SpawnPeriod);
        }

        // 3. Diver spawn.
        int diverTimer = s.Get(DiverTimer);
        if (diverTimer == 0)
        {
            bool right = rng.Coin();
            int y = 1 + rng.Below(8);
            if (nDivers < DiverSlots)
            {
                s.Set(Divers + nDivers, Pack(right ? 0 : 9, y, right, false, DiverMoveReload, 0));
                nDivers++;
            }
            diverTimer = DiverSpawnPeriod;
        }

        // 4. Player.
        int sx = s.Get(SubX), sy = s.Get(SubY);
        bool facingRight = s.Get(FacingRight) != 0;
        int cooldown = s.Get(Cooldown);
        if (action == 5 && cooldown == 0)
        {
            if (nBullets < BulletSlots)
            {
                s.Set(Bullets + nBullets, Pack(sx, sy, facingRight, false, 0, 0));
                nBullets++;
            }
            cooldown = CooldownReload;
        }
        else if (action == 1) { sx = sx > 0 ? sx - 1 : 0; facingRight = false; }
        else if (action == 3) { sx = sx < 9 ? sx + 1 : 9; facingRight = true; }
        else if (action == 2) sy = sy > 0 ? sy - 1 : 0;
        else if (action == 4) sy = sy < 8 ? sy + 1 : 8;

        // 5. Friendly bullets, newest first; the victim is the oldest fish, else the oldest sub, on the cell.
        for (int i = nBullets - 1; i >= 0; i--)
        {
            int b = s.Get(Bullets + i);
            int x = X(b) + (IsRight(b) ? 1 : -1), y = Y(b);
            if (x < 0 || x > 9)
            {
                RemoveAt(s, Bullets, ref nBullets, i);
                continue;
            }
            int victim = FindEnemy(s, nEnemies, x, y, false);
            if (victim < 0) victim = FindEnemy(s, nEnemies, x, y, true);
            if (victim >= 0)
            {
                RemoveAt(s, Enemies, ref nEnemies, victim);
                RemoveAt(s, Bullets, ref nBullets, i);
                reward++;
            }
            else s.Set(Bullets + i, Pack(x, y, IsRight(b), false, 0, 0));
        }

        // 6. Divers, newest first.
        int diverCount = s.Get(DiverCount);
        for (int i = nDivers - 1; i >= 0; i--)
        {
            int d = s.Get(Divers + i);
            int x = X(d), y = Y(d);
            if (x == sx && y == sy && diverCount < MaxDivers)
            {
                RemoveAt(s, Divers, ref nDivers, i);
                diverCount++;
                continue;
            }
            int t = MoveTimerOf(d);
            if (t == 0)
            {
                t = DiverMoveReload;
                x += IsRight(d) ? 1 : -1;
                if (x < 0 || x > 9)
                {
                    RemoveAt(s, Divers, ref nDivers, i);
                    continue;
                }
                if (x == sx && y == sy && diverCount < MaxDivers)
                {
                    RemoveAt(s, Divers, ref nDivers, i);
                    diverCount++;
                    continue;
                }
            }
            else t--;
            s.Set(Divers + i, Pack(x, y, IsRight(d), false, t, 0));
        }

        // 7. Enemy subs, newest first. A sub removed while moving still runs its shot timer (§9.2).
        MoveEnemies(s, true, sx, sy, moveSpeed, ref nEnemies, ref nBullets, ref terminal, ref reward);

        // 8. Enemy bullets (a set; see the type comment).
        int subBit = 1 << sx;
        bool subUnderwater = sy >= 1;
        if (subUnderwater && ((s.Get(RightBullets + sy - 1) | s.Get(LeftBullets + sy - 1)) & subBit) != 0) terminal = true;
        for (int y = 0; y < 8; y++)
        {
            s.Set(RightBullets + y, (s.Get(RightBullets + y) << 1) & 0x3FF);
            s.Set(LeftBullets + y, s.Get(LeftBullets + y) >> 1);
        }
        if (subUnderwater && ((s.Get(RightBullets + sy - 1) | s.Get(LeftBullets + sy - 1)) & subBit) != 0) terminal = true;

        // 9. Fish, newest first.
        MoveEnemies(s, false, sx, sy, moveSpeed, ref nEnemies, ref nBullets, ref terminal, ref reward);

        // 10. Timers.
        if (spawnTimer > 0) spawnTimer--;
        if (diverTimer > 0) diverTimer--;
        if (cooldown > 0) cooldown--;

        // 11. Oxygen and surfacing.
        int oxygen = s.Get(Oxygen);
        if (oxygen <= 0) terminal = true;
        if (sy > 0)
        {
            oxygen--;
            s.Set(Surfaced, 0);
        }
        else if (s.Get(Surfaced) == 0)
        {
            if (diverCount == 0) terminal = true;
            else
            {
                s.Set(Surfaced, 1);
                if (diverCount == MaxDivers)
                {
                    reward += oxygen * 10 / MaxOxygen;
                    diverCount = 0;
                }
                oxygen = MaxOxygen;
                diverCount--; // -1 after a full rescue: quirk §9.1, kept
                int period = s.Get(SpawnPeriod);
                if (ramping && (period > 1 || moveSpeed > 2))
                {
                    int ramp = s.Get(Ramp);
                    if (moveSpeed > 2 && (ramp & 1) == 1) s.Set(MoveSpeed, moveSpeed - 1);
                    if (period > 1) s.Set(SpawnPeriod, period - 1);
                    s.Set(Ramp, ramp + 1);
                }
            }
        }

        s.Set(SubX, sx);
        s.Set(SubY, sy);
        s.Set(FacingRight, facingRight ? 1 : 0);
        s.Set(Oxygen, oxygen);
        s.Set(DiverCount, diverCount);
        s.Set(SpawnTimer, spawnTimer);
        s.Set(DiverTimer, diverTimer);
        s.Set(Cooldown, cooldown);
        s.Set(BulletCount, nBullets);
        s.Set(DiverSlotCount, nDivers);
        s.Set(EnemyCount, nEnemies);
        if (terminal) s.Set(Terminal, 1);
        return reward;
    }

    /// <summary>§6.3 step 7 (subs, with their shots) or step 9 (fish): newest to oldest of that kind.</summary>
    private static void MoveEnemies<TMem>(TMem s, bool subs, int sx, int sy, int moveSpeed,
        ref int nEnemies, ref int nBullets, ref bool terminal, ref int reward) where TMem : struct, IStateMemory
    {
        for (int i = nEnemies - 1; i >= 0; i--)
        {
            int e = s.Get(Enemies + i);
            if (IsSub(e) != subs) continue;
            int x = X(e), y = Y(e);
            bool right = IsRight(e);
            if (x == sx && y == sy) terminal = true;
            bool removed = false;
            int t = MoveTimerOf(e);
            if (t == 0)
            {
                t = moveSpeed;
                x += right ? 1 : -1;
                if (x < 0 || x > 9)
                {
                    RemoveAt(s, Enemies, ref nEnemies, i);
                    removed = true;
                }
                else if (x == sx && y == sy) terminal = true;
                else
                {
                    for (int j = 0; j < nBullets; j++)
                    {
                        int b = s.Get(Bullets + j);
                        if (X(b) == x && Y(b) == y)
                        {
                            RemoveAt(s, Bullets, ref nBullets, j);
                            RemoveAt(s, Enemies, ref nEnemies, i);
                            reward++;
                            removed = true;
                            break;
                        }
                    }
                }
            }
            else t--;
            int shot = ShotTimerOf(e);
            if (subs)
            {
                if (shot == 0)
                {
                    shot = SubShotReload;
                    // A bullet fired from off-grid would vanish in step 8 without effect.
                    if (x >= 0 && x <= 9)
                    {
                        int row = (right ? RightBullets : LeftBullets) + y - 1;
                        s.Set(row, s.Get(row) | (1 << x));
                    }
                }
                else shot--;
            }
            if (!removed) s.Set(Enemies + i, Pack(x, y, right, subs, t, shot));
        }
    }

    /// <summary>The slot of the oldest enemy of the given kind on (x, y), or -1.</summary>
    private static int FindEnemy<TMem>(TMem s, int nEnemies, int x, int y, bool sub) where TMem : struct, IStateMemory
    {
        for (int i = 0; i < nEnemies; i++)
        {
            int e = s.Get(Enemies + i);
            if (X(e) == x && Y(e) == y && IsSub(e) == sub) return i;
        }
        return -1;
    }

    /// <summary>Removes slot i of a list, keeping the order of the others.</summary>
    private static void RemoveAt<TMem>(TMem s, int list, ref int count, int i) where TMem : struct, IStateMemory
    {
        for (int j = i; j < count - 1; j++) s.Set(list + j, s.Get(list + j + 1));
        count--;
    }

    public readonly bool IsTerminal<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Terminal) != 0;

    public readonly void Observe<TMem, TObs>(TMem s, ref TObs obs) where TMem : struct, IStateMemory where TObs : struct, IObservationWriter
    {
        int sx = s.Get(SubX), sy = s.Get(SubY);
        obs.Set(0, sy, sx);
        obs.Set(1, sy, s.Get(FacingRight) != 0 ? sx - 1 : sx + 1);
        int nBullets = s.Get(BulletCount);
        for (int i = 0; i < nBullets; i++)
        {
            int b = s.Get(Bullets + i);
            obs.Set(2, Y(b), X(b));
        }
        int nEnemies = s.Get(EnemyCount);
        for (int i = 0; i < nEnemies; i++)
        {
            int e = s.Get(Enemies + i);
            obs.Set(IsSub(e) ? 6 : 5, Y(e), X(e));
            Trail(ref obs, e);
        }
        int nDivers = s.Get(DiverSlotCount);
        for (int i = 0; i < nDivers; i++)
        {
            int d = s.Get(Divers + i);
            obs.Set(9, Y(d), X(d));
            Trail(ref obs, d);
        }
        for (int y = 1; y <= 8; y++)
        {
            int cells = s.Get(RightBullets + y - 1) | s.Get(LeftBullets + y - 1);
            for (int x = 0; x < 10; x++)
                if ((cells & (1 << x)) != 0) obs.Set(4, y, x);
        }
        int oxygen = s.Get(Oxygen);
        int lit = (oxygen > 0 ? oxygen : 0) * 10 / MaxOxygen;
        for (int x = 0; x < lit; x++) obs.Set(7, 9, x);
        int divers = s.Get(DiverCount);
        for (int x = 9 - divers; x <= 8; x++) obs.Set(8, 9, x); // empty when divers <= 0
    }

    private static void Trail<TObs>(ref TObs obs, int o) where TObs : struct, IObservationWriter
    {
        int x = X(o) + (IsRight(o) ? -1 : 1);
        if (x >= 0 && x <= 9) obs.Set(3, Y(o), x);
    }

    public readonly int RampIndex<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Ramp);
}
