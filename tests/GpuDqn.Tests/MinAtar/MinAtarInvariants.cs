using Xunit;

namespace GpuDqn.Tests.MinAtar;

/// <summary>One environment's observation [C, 10, 10] (a copy), with the queries the checks need.</summary>
internal sealed class Obs
{
    private readonly float[] a;
    public int C { get; }

    public Obs(float[] source, long offset, int channels)
    {
        C = channels;
        a = new float[channels * 100];
        Array.Copy(source, offset, a, 0, a.Length);
        foreach (float v in a)
            Assert.True(v == 0f || v == 1f, $"observation value {v} is not 0/1");
    }

    public bool this[int c, int y, int x] => a[c * 100 + y * 10 + x] != 0f;

    public List<(int Y, int X)> Cells(int c)
    {
        var r = new List<(int, int)>();
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 10; x++)
                if (this[c, y, x]) r.Add((y, x));
        return r;
    }

    public int Count(int c) => Cells(c).Count;

    public (int Y, int X) Single(int c, string what)
    {
        var cells = Cells(c);
        Assert.True(cells.Count == 1, $"expected exactly one {what} cell (channel {c}), found {cells.Count}");
        return cells[0];
    }

    public bool SameAs(Obs o) => a.AsSpan().SequenceEqual(o.a);
}

/// <summary>
/// The spec §8 checks of one game, fed one environment's episode step by step. A fresh
/// instance (or <see cref="OnReset"/>) per episode; "next" is the final observation of the
/// step (next_obs), which is the terminal one when the episode ended.
/// </summary>
internal abstract class GameInvariants
{
    protected int step;
    public abstract void OnReset(Obs o);
    public abstract void OnStep(Obs prev, int action, int reward, bool terminal, Obs next);

    public static GameInvariants For(string envId) => envId switch
    {
        "minatar-breakout" => new BreakoutInvariants(),
        "minatar-freeway" => new FreewayInvariants(),
        "minatar-asterix" => new AsterixInvariants(),
        _ => throw new ArgumentException(envId),
    };

    protected static int Cheb((int Y, int X) a, (int Y, int X) b) => Math.Max(Math.Abs(a.Y - b.Y), Math.Abs(a.X - b.X));
}

internal sealed class BreakoutInvariants : GameInvariants
{
    private static int Bricks(Obs o)
    {
        var cells = o.Cells(3);
        foreach (var (y, _) in cells) Assert.True(y >= 1 && y <= 3, $"brick in row {y}");
        return cells.Count;
    }

    private static void Common(Obs o)
    {
        Assert.Equal(4, o.C);
        var paddle = o.Single(0, "paddle");
        Assert.Equal(9, paddle.Y);
        int bricks = Bricks(o);
        Assert.InRange(bricks, 0, 30);
        var ball = o.Single(1, "ball");
        var trail = o.Single(2, "trail");
        Assert.True(Cheb(ball, trail) <= 1, $"ball {ball} and trail {trail} are not within distance 1");
    }

    public override void OnReset(Obs o)
    {
        step = 0;
        Common(o);
        Assert.Equal(30, Bricks(o));
        Assert.Equal((9, 4), o.Single(0, "paddle"));
        var ball = o.Single(1, "ball");
        Assert.True(ball == (3, 0) || ball == (3, 9), $"reset ball at {ball}");
        Assert.True(o[3, ball.Y, ball.X], "reset ball is not on a brick");
        Assert.Equal(ball, o.Single(2, "trail"));
    }

    public override void OnStep(Obs prev, int action, int reward, bool terminal, Obs next)
    {
        step++;
        Common(next);
        var ball = next.Single(1, "ball");
        Assert.True(terminal == (ball.Y == 9), $"step {step}: terminal {terminal} with ball in row {ball.Y}");
        Assert.InRange(reward, 0, 1);
        int before = Bricks(prev), after = Bricks(next);
        if (reward == 1) Assert.Equal(before - 1, after);
        else if (after != before)
        {
            Assert.True(before == 0 && after == 30, $"brick count {before} -> {after} without reward");
            Assert.True(ball.Y >= 8, $"refill with the ball in row {ball.Y}");
        }
        Assert.Equal(prev.Single(1, "ball"), next.Single(2, "trail"));
        if (step == 1) Assert.True(ball == (4, 1) || ball == (4, 8), $"ball after step 1 at {ball}");
        int p0 = prev.Single(0, "paddle").X, p1 = next.Single(0, "paddle").X;
        int want = action == 1 ? Math.Max(0, p0 - 1) : action == 3 ? Math.Min(9, p0 + 1) : p0;
        Assert.Equal(want, p1);
    }
}

internal sealed class FreewayInvariants : GameInvariants
{
    private readonly int[] speed = new int[8], dir = new int[8], expectedMove = new int[8];
    private int lastMove;

    /// <summary>Per car (row i + 1): column, speed from the speed channel, direction from the trail side.</summary>
    private static (int X, int Speed, int Dir)[] Cars(Obs o)
    {
        Assert.Equal(7, o.C);
        var chicken = o.Single(0, "chicken");
        Assert.Equal(4, chicken.X);
        Assert.InRange(chicken.Y, 1, 9);
        var cars = o.Cells(1);
        Assert.Equal(8, cars.Count);
        int speedCells = 0;
        for (int c = 2; c <= 6; c++) speedCells += o.Count(c);
        Assert.Equal(8, speedCells);
        var r = new (int, int, int)[8];
        for (int i = 0; i < 8; i++)
        {
            int row = i + 1;
            var inRow = cars.Where(c => c.Y == row).ToList();
            Assert.Single(inRow);
            int x = inRow[0].X;
            Assert.False(chicken == (row, x), $"car on the chicken at {chicken}");
            int found = 0, sp = 0, d = 0;
            for (int c = 2; c <= 6; c++)
                for (int tx = 0; tx < 10; tx++)
                    if (o[c, row, tx])
                    {
                        found++;
                        sp = c - 1;
                        if (tx == (x + 9) % 10) d = 1;        // trail on the left: moving right
                        else if (tx == (x + 1) % 10) d = -1;  // trail on the right: moving left
                        else Assert.Fail($"speed cell ({row}, {tx}) not adjacent to car at x {x}");
                    }
            Assert.Equal(1, found);
            r[i] = (x, sp, d);
        }
        return r;
    }

    public override void OnReset(Obs o)
    {
        step = 0;
        lastMove = -100;
        Assert.Equal((9, 4), o.Single(0, "chicken"));
        var cars = Cars(o);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(0, cars[i].X);
            speed[i] = cars[i].Speed;
            dir[i] = cars[i].Dir;
            expectedMove[i] = speed[i] + 1;
        }
    }

    public override void OnStep(Obs prev, int action, int reward, bool terminal, Obs next)
    {
        step++;
        var before = Cars(prev);
        var cars = Cars(next);
        Assert.True(terminal == (step == 2501), $"terminal {terminal} at step {step}");
        Assert.InRange(reward, 0, 1);
        int r0 = prev.Single(0, "chicken").Y, r1 = next.Single(0, "chicken").Y;
        if (reward == 1) Assert.Equal(9, r1);
        if (step <= 3) Assert.Equal(9, r1);
        bool voluntary = reward == 1 || r1 == r0 - 1 || (r1 == r0 + 1 && r1 != 9);
        if (voluntary)
        {
            Assert.True(step - lastMove >= 3, $"chicken moved at steps {lastMove} and {step}");
            lastMove = step;
        }
        for (int i = 0; i < 8; i++)
        {
            bool moved = cars[i].X != before[i].X;
            if (reward == 1)
            {
                Assert.False(moved, $"car {i} moved on a crossing step");
                speed[i] = cars[i].Speed;
                dir[i] = cars[i].Dir;
                expectedMove[i] = step + speed[i];
                continue;
            }
            Assert.Equal(speed[i], cars[i].Speed);
            Assert.Equal(dir[i], cars[i].Dir);
            if (moved)
            {
                Assert.Equal(expectedMove[i], step);
                Assert.Equal((before[i].X + dir[i] + 10) % 10, cars[i].X);
                expectedMove[i] = step + speed[i] + 1;
            }
            else Assert.True(step < expectedMove[i], $"car {i} (speed {speed[i]}) did not move at step {step}");
        }
    }
}

internal sealed class AsterixInvariants : GameInvariants
{
    private static int Entities(Obs o, bool terminal)
    {
        Assert.Equal(4, o.C);
        var player = o.Single(0, "player");
        Assert.InRange(player.Y, 1, 8);
        int total = 0;
        for (int y = 0; y < 10; y++)
        {
            int inRow = 0;
            for (int x = 0; x < 10; x++) inRow += (o[1, y, x] ? 1 : 0) + (o[3, y, x] ? 1 : 0);
            Assert.True(inRow <= 1, $"{inRow} entities in row {y}");
            if (y == 0 || y == 9) Assert.Equal(0, inRow);
            total += inRow;
        }
        foreach (var (y, x) in o.Cells(2))
        {
            bool adjacent = (x > 0 && (o[1, y, x - 1] || o[3, y, x - 1])) || (x < 9 && (o[1, y, x + 1] || o[3, y, x + 1]));
            Assert.True(adjacent, $"trail at ({y}, {x}) next to no entity");
        }
        if (!terminal)
            Assert.False(o[1, player.Y, player.X] || o[3, player.Y, player.X], "entity on the player in a non-terminal observation");
        return total;
    }

    public override void OnReset(Obs o)
    {
        step = 0;
        Assert.Equal((5, 5), o.Single(0, "player"));
        Assert.Equal(0, Entities(o, false));
    }

    public override void OnStep(Obs prev, int action, int reward, bool terminal, Obs next)
    {
        step++;
        int n = Entities(next, terminal);
        Assert.InRange(reward, 0, 1);
        if (step <= 10) Assert.Equal(0, n);
        if (step == 11 && !terminal) Assert.Equal(1, n + reward);
        var p0 = prev.Single(0, "player");
        var p1 = next.Single(0, "player");
        var want = action switch
        {
            1 => (p0.Y, Math.Max(0, p0.X - 1)),
            3 => (p0.Y, Math.Min(9, p0.X + 1)),
            2 => (Math.Max(1, p0.Y - 1), p0.X),
            4 => (Math.Min(8, p0.Y + 1), p0.X),
            _ => p0,
        };
        Assert.Equal(want, p1);
    }
}
