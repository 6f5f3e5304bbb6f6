using GpuDqn.Kernels.MinAtar;

namespace GpuDqn.Tests.MinAtar;

/// <summary>
/// Literal, managed transcriptions of spec §5.3 and §6.3 for the tests: boolean grids, and
/// ordinary lists of objects processed newest first by iterating a reversed snapshot — no slots,
/// no packing, no bit masks. The fixed-slot game structs must play exactly like these.
/// Random draws are made in the same order as the structs (they share <see cref="EnvRandom"/>).
/// </summary>
public sealed class SpaceInvadersReference(bool ramping)
{
    private readonly bool[,] aliens = new bool[10, 10], friendly = new bool[10, 10], enemy = new bool[10, 10]; // [y, x]
    private int cannon = 5, direction = -1, interval = 12, moveTimer = 12, shotTimer = 10, cooldown;
    public int Ramp { get; private set; }
    public bool Terminal { get; private set; }

    public SpaceInvadersReference Init()
    {
        Refill();
        return this;
    }

    /// <summary>Replaces the aliens with the given row masks (bit x = column x), as the tests do to the struct.</summary>
    public void SetAliens(int[] rows)
    {
        for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) aliens[y, x] = (rows[y] >> x & 1) != 0;
    }

    private void Refill()
    {
        for (int y = 0; y < 4; y++) for (int x = 2; x < 8; x++) aliens[y, x] = true;
    }

    private int AlienCount()
    {
        int n = 0;
        foreach (bool a in aliens) if (a) n++;
        return n;
    }

    public int Step(int a)
    {
        if (Terminal) return 0;
        int r = 0;
        if (a == 5 && cooldown == 0) { friendly[9, cannon] = true; cooldown = 5; }
        else if (a == 1) cannon = Math.Max(0, cannon - 1);
        else if (a == 3) cannon = Math.Min(9, cannon + 1);
        for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) friendly[y, x] = y < 9 && friendly[y + 1, x];
        for (int y = 9; y >= 0; y--) for (int x = 0; x < 10; x++) enemy[y, x] = y > 0 && enemy[y - 1, x];
        if (enemy[9, cannon]) Terminal = true;
        if (aliens[9, cannon]) Terminal = true;
        if (moveTimer == 0)
        {
            moveTimer = Math.Min(AlienCount(), interval);
            bool edge = false;
            for (int y = 0; y < 10; y++) edge |= direction < 0 ? aliens[y, 0] : aliens[y, 9];
            var moved = new bool[10, 10];
            if (edge)
            {
                direction = -direction;
                for (int x = 0; x < 10; x++) if (aliens[9, x]) Terminal = true;
                for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) moved[(y + 1) % 10, x] = aliens[y, x];
            }
            else
                for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) if (aliens[y, x]) moved[y, x + direction] = true;
            Array.Copy(moved, aliens, 100);
            if (aliens[9, cannon]) Terminal = true;
        }
        if (shotTimer == 0)
        {
            shotTimer = 10;
            int best = -1;
            for (int x = 0; x < 10; x++)
            {
                bool any = false;
                for (int y = 0; y < 10; y++) any |= aliens[y, x];
                if (any && (best < 0 || Math.Abs(x - cannon) < Math.Abs(best - cannon))) best = x;
            }
            int low = 9;
            while (!aliens[low, best]) low--;
            enemy[low, best] = true;
        }
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                if (aliens[y, x] && friendly[y, x]) { aliens[y, x] = friendly[y, x] = false; r++; }
        if (cooldown > 0) cooldown--;
        moveTimer--;
        shotTimer--;
        if (AlienCount() == 0)
        {
            if (ramping && interval > 6) { interval--; Ramp++; }
            Refill();
        }
        return r;
    }

    public float[] Observe()
    {
        var o = new float[600];
        void Set(int c, int y, int x) => o[(y * 10 + x) * 6 + c] = 1f;
        Set(0, 9, cannon);
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
            {
                if (aliens[y, x]) { Set(1, y, x); Set(direction < 0 ? 2 : 3, y, x); }
                if (friendly[y, x]) Set(4, y, x);
                if (enemy[y, x]) Set(5, y, x);
            }
        return o;
    }
}

public sealed class SeaquestReference(bool ramping)
{
    private sealed class Obj
    {
        public int X, Y, MoveTimer, ShotTimer;
        public bool Right;
        public int Dx => Right ? 1 : -1;
    }

    private readonly List<Obj> friendly = [], enemyBullets = [], fish = [], subs = [], divers = [];
    private int sx = 5, sy, oxygen = 200, diverCount, spawnPeriod = 20, spawnTimer = 20, diverTimer = 30, moveSpeed = 5, cooldown;
    private bool facingRight, surfaced = true;
    public int Ramp { get; private set; }
    public bool Terminal { get; private set; }

    private static bool Off(int x) => x < 0 || x > 9;

    /// <summary>Starts the episode with divers aboard (as the tests do to the struct's state).</summary>
    public SeaquestReference WithDivers(int count)
    {
        diverCount = count;
        return this;
    }

    public int Step(int a, ref EnvRandom rng)
    {
        if (Terminal) return 0;
        int r = 0;
        if (spawnTimer == 0)
        {
            bool right = rng.Coin();
            bool isSub = rng.Below(3) == 0;
            int y = 1 + rng.Below(8);
            bool conflict = fish.Concat(subs).Any(e => e.Y == y && e.Right != right);
            if (!conflict)
            {
                var e = new Obj { X = right ? 0 : 9, Y = y, Right = right, MoveTimer = moveSpeed, ShotTimer = 10 };
                (isSub ? subs : fish).Add(e);
            }
            spawnTimer = spawnPeriod;
        }
        if (diverTimer == 0)
        {
            bool right = rng.Coin();
            int y = 1 + rng.Below(8);
            divers.Add(new Obj { X = right ? 0 : 9, Y = y, Right = right, MoveTimer = 5 });
            diverTimer = 30;
        }
        if (a == 5 && cooldown == 0) { friendly.Add(new Obj { X = sx, Y = sy, Right = facingRight }); cooldown = 5; }
        else if (a == 1) { sx = Math.Max(0, sx - 1); facingRight = false; }
        else if (a == 3) { sx = Math.Min(9, sx + 1); facingRight = true; }
        else if (a == 2) sy = Math.Max(0, sy - 1);
        else if (a == 4) sy = Math.Min(8, sy + 1);

        foreach (var b in Enumerable.Reverse(friendly.ToArray()))
        {
            b.X += b.Dx;
            if (Off(b.X)) { friendly.Remove(b); continue; }
            var victim = fish.FirstOrDefault(f => f.X == b.X && f.Y == b.Y);
            var list = fish;
            if (victim is null) { victim = subs.FirstOrDefault(s => s.X == b.X && s.Y == b.Y); list = subs; }
            if (victim is not null) { list.Remove(victim); friendly.Remove(b); r++; }
        }
        foreach (var d in Enumerable.Reverse(divers.ToArray()))
        {
            if (d.X == sx && d.Y == sy && diverCount < 6) { divers.Remove(d); diverCount++; continue; }
            if (d.MoveTimer == 0)
            {
                d.MoveTimer = 5;
                d.X += d.Dx;
                if (Off(d.X)) divers.Remove(d);
                else if (d.X == sx && d.Y == sy && diverCount < 6) { divers.Remove(d); diverCount++; }
            }
            else d.MoveTimer--;
        }
        r += MoveEnemies(subs, true);
        foreach (var b in enemyBullets.ToArray())
        {
            if (b.X == sx && b.Y == sy) Terminal = true;
            b.X += b.Dx;
            if (Off(b.X)) enemyBullets.Remove(b);
            else if (b.X == sx && b.Y == sy) Terminal = true;
        }
        r += MoveEnemies(fish, false);
        if (spawnTimer > 0) spawnTimer--;
        if (diverTimer > 0) diverTimer--;
        if (cooldown > 0) cooldown--;
        if (oxygen <= 0) Terminal = true;
        if (sy > 0) { oxygen--; surfaced = false; }
        else if (!surfaced)
        {
            if (diverCount == 0) Terminal = true;
            else
            {
                surfaced = true;
                if (diverCount == 6) { r += oxygen * 10 / 200; diverCount = 0; }
                oxygen = 200;
                diverCount--;
                if (ramping && (spawnPeriod > 1 || moveSpeed > 2))
                {
                    if (moveSpeed > 2 && Ramp % 2 == 1) moveSpeed--;
                    if (spawnPeriod > 1) spawnPeriod--;
                    Ramp++;
                }
            }
        }
        return r;
    }

    private int MoveEnemies(List<Obj> list, bool shoot)
    {
        int r = 0;
        foreach (var e in Enumerable.Reverse(list.ToArray()))
        {
            if (e.X == sx && e.Y == sy) Terminal = true;
            if (e.MoveTimer == 0)
            {
                e.MoveTimer = moveSpeed;
                e.X += e.Dx;
                if (Off(e.X)) list.Remove(e);
                else if (e.X == sx && e.Y == sy) Terminal = true;
                else
                {
                    var b = friendly.FirstOrDefault(f => f.X == e.X && f.Y == e.Y);
                    if (b is not null) { friendly.Remove(b); list.Remove(e); r++; }
                }
            }
            else e.MoveTimer--;
            if (!shoot) continue;
            if (e.ShotTimer == 0)
            {
                e.ShotTimer = 10;
                enemyBullets.Add(new Obj { X = e.X, Y = e.Y, Right = e.Right });
            }
            else e.ShotTimer--;
        }
        return r;
    }

    public float[] Observe()
    {
        var o = new float[1000];
        void Set(int c, int y, int x)
        {
            if (!Off(x)) o[(y * 10 + x) * 10 + c] = 1f;
        }
        Set(0, sy, sx);
        Set(1, sy, facingRight ? sx - 1 : sx + 1);
        foreach (var b in friendly) Set(2, b.Y, b.X);
        foreach (var e in fish.Concat(subs).Concat(divers)) Set(3, e.Y, e.X - e.Dx);
        foreach (var b in enemyBullets) Set(4, b.Y, b.X);
        foreach (var f in fish) Set(5, f.Y, f.X);
        foreach (var s in subs) Set(6, s.Y, s.X);
        for (int x = 0; x < Math.Max(0, oxygen) * 10 / 200; x++) Set(7, 9, x);
        for (int x = 9 - diverCount; x <= 8; x++) Set(8, 9, x);
        foreach (var d in divers) Set(9, d.Y, d.X);
        return o;
    }
}
