using GpuDqn.Engine;
using GpuDqn.Kernels.MinAtar;
using Xunit;
using G = GpuDqn.Kernels.MinAtar.SpaceInvaders;

namespace GpuDqn.Tests.MinAtar.Games;

/// <summary>SpaceInvaders (shared/specs/minatar.md §5) against the §8 checks and scripted scenarios.</summary>
public class SpaceInvadersTests
{
    private const int Cannon = 0, Alien = 1, AlienLeft = 2, AlienRight = 3, Friendly = 4, Enemy = 5;
    private const int Wave = 0b0011111100; // columns 2..7

    private static HostGame<G> New(bool ramping = true) => new(0, 0, ramping);

    private static int[] Rows(Obs o, int c)
    {
        var rows = new int[10];
        for (int y = 0; y < 10; y++) rows[y] = o.Row(c, y);
        return rows;
    }

    private static bool IsFreshWave(Obs o)
    {
        for (int y = 0; y < 10; y++)
            if (o.Row(Alien, y) != (y < 4 ? Wave : 0)) return false;
        return true;
    }

    /// <summary>
    /// Mostly greedy (dodge a falling alien bullet, else move under the nearest alien column and
    /// fire), sometimes random: long episodes that clear waves now and then.
    /// </summary>
    private static int Policy(Random r, Obs o)
    {
        if (r.Next(10) == 0) return r.Next(6);
        int cannon = o.CellsOf(Cannon).Single().x;
        int danger = 0; // columns where an alien bullet will reach row 9 soon
        foreach (var (y, x) in o.CellsOf(Enemy))
            if (y >= 5) danger |= 1 << x;
        int columns = 0;
        for (int y = 0; y < 10; y++) columns |= o.Row(Alien, y);
        int want = 0;
        for (int d = 0; d < 10; d++)
        {
            if (cannon - d >= 0 && (columns & (1 << (cannon - d))) != 0) { want = d == 0 ? 5 : 1; break; }
            if (cannon + d <= 9 && (columns & (1 << (cannon + d))) != 0) { want = 3; break; }
        }
        foreach (int a in new[] { want, 0, 1, 3 })
        {
            int c = a == 1 ? Math.Max(0, cannon - 1) : a == 3 ? Math.Min(9, cannon + 1) : cannon;
            if ((danger & (1 << c)) == 0) return a;
        }
        return want;
    }

    [Fact]
    public void Reset_observation_matches_spec()
    {
        var g = New();
        var o = g.Observe();
        Assert.Equal(6, g.Channels);
        Assert.False(g.Terminal);
        Assert.Equal(0, g.RampIndex);
        Assert.Equal([(9, 5)], o.CellsOf(Cannon));
        Assert.True(IsFreshWave(o));
        Assert.Equal(Rows(o, Alien), Rows(o, AlienLeft));
        Assert.Equal(0, o.Count(AlienRight));
        Assert.Equal(0, o.Count(Friendly));
        Assert.Equal(0, o.Count(Enemy));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Random_play_keeps_the_spec_invariants(bool ramping)
    {
        int seed = TestDevices.NewSeed();
        var rand = new Random(seed);
        var g = New(ramping);
        ThinFirstWave(g, rand);
        var prev = g.Observe();
        int episodes = 0, refills = 0, rewards = 0;
        for (int step = 0; step < 20000; step++)
        {
            int rampBefore = g.RampIndex;
            int r = g.Step(Policy(rand, prev));
            var o = g.Observe();
            string at = $"step {step} (seed {seed})";
            Assert.True(r >= 0, at);
            var cannon = o.CellsOf(Cannon).ToList();
            Assert.True(cannon.Count == 1 && cannon[0].y == 9, $"one cannon cell in row 9, {at}");
            int aliens = o.Count(Alien);
            Assert.InRange(aliens, 1, 24);
            bool left = o.Count(AlienLeft) > 0, right = o.Count(AlienRight) > 0;
            Assert.True(left != right, $"exactly one direction channel, {at}");
            Assert.Equal(Rows(o, Alien), Rows(o, left ? AlienLeft : AlienRight));
            var bullets = o.CellsOf(Friendly).ToList();
            Assert.True(bullets.Count <= 2, at);
            if (bullets.Count == 2) Assert.True(Math.Abs(bullets[0].y - bullets[1].y) >= 5, $"friendly bullets 5 rows apart, {at}");
            Assert.True(o.Count(Enemy) <= 1, at);
            int interval = g[G.MoveInterval];
            Assert.InRange(interval, 6, 12);
            Assert.InRange(g.RampIndex, 0, 6);
            if (!ramping) Assert.True(interval == 12 && g.RampIndex == 0, at);
            bool fresh = IsFreshWave(o);
            if (g.RampIndex != rampBefore)
            {
                Assert.True(fresh, $"ramp changes only on a refill step, {at}");
                refills++;
            }
            for (int y = 0; y < 10; y++)
                if ((o.Row(Alien, y) & o.Row(Friendly, y)) != 0)
                    Assert.True(fresh, $"alien and friendly bullet share a cell only right after a refill, {at}");
            if (g.Terminal)
            {
                episodes++;
                g.Reset();
                if (episodes % 2 == 0) ThinFirstWave(g, rand);
                prev = g.Observe();
                continue;
            }
            Assert.True(r <= 1, at);
            rewards += r;
            int cannonX = cannon[0].x;
            Assert.False(o[Alien, 9, cannonX], at);
            Assert.False(o[Enemy, 9, cannonX], at);
            prev = o;
        }
        Assert.True(episodes > 5 && rewards > 100, $"coverage: {episodes} episodes, {rewards} rewards (seed {seed})");
        if (ramping) Assert.True(refills > 0, $"no wave was cleared with ramping (seed {seed})");
    }

    /// <summary>Keeps 1..3 random aliens of the first wave, so that waves get cleared (and ramps happen) often.</summary>
    private static void ThinFirstWave(HostGame<G> g, Random rand)
    {
        for (int y = 0; y < 4; y++) g[G.AlienRows + y] = 0;
        for (int k = rand.Next(1, 4); k > 0; k--) g[G.AlienRows + rand.Next(4)] |= 1 << rand.Next(2, 8);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Plays_exactly_like_the_literal_grid_reference(bool ramping)
    {
        int seed = TestDevices.NewSeed();
        var rand = new Random(seed);
        var g = New(ramping);
        var reference = new SpaceInvadersReference(ramping).Init();
        var prev = g.Observe();
        int episodes = 0, rampSteps = 0;
        for (int step = 0; step < 20000; step++)
        {
            int a = Policy(rand, prev);
            Assert.Equal(reference.Step(a), g.Step(a));
            prev = g.Observe();
            string at = $"step {step} (seed {seed})";
            Assert.True(reference.Observe().AsSpan().SequenceEqual(prev.Cells), $"observations differ at {at}");
            Assert.Equal(reference.Terminal, g.Terminal);
            Assert.Equal(reference.Ramp, g.RampIndex);
            if (g.RampIndex > 0) rampSteps++;
            if (g.Terminal)
            {
                episodes++;
                g.Reset();
                reference = new SpaceInvadersReference(ramping).Init();
                if (episodes % 2 == 0)
                {
                    ThinFirstWave(g, rand);
                    reference.SetAliens(g.State[G.AlienRows..(G.AlienRows + 10)]);
                }
                prev = g.Observe();
            }
        }
        Assert.True(episodes > 5, $"coverage: {episodes} episodes (seed {seed})");
        if (ramping) Assert.True(rampSteps > 0, $"no ramp happened (seed {seed})");
    }

    [Fact]
    public void Terminal_steps_return_zero_and_change_nothing()
    {
        var rand = new Random(TestDevices.NewSeed());
        int terminals = 0;
        var g = New();
        for (int step = 0; step < 5000 && terminals < 10; step++)
        {
            g.Step(rand.Next(6));
            if (!g.Terminal) continue;
            terminals++;
            var obs = g.Observe();
            var state = (int[])g.State.Clone();
            for (int k = 0; k < 6; k++)
            {
                Assert.Equal(0, g.Step(k));
                Assert.True(g.Terminal);
                Assert.True(obs.SameAs(g.Observe()));
                Assert.Equal(state, g.State);
            }
            g.Reset();
        }
        Assert.Equal(10, terminals);
    }

    [Fact]
    public void Unused_actions_act_as_noop_and_play_is_deterministic()
    {
        var rand = new Random(TestDevices.NewSeed());
        var a = New();
        var b = New();
        var c = New();
        for (int step = 0; step < 3000; step++)
        {
            int act = rand.Next(6);
            int noopForm = act is 2 or 4 ? 0 : act;
            int ra = a.Step(act), rb = b.Step(noopForm), rc = c.Step(act);
            Assert.Equal(ra, rb);
            Assert.Equal(ra, rc);
            Assert.Equal(a.State, b.State);
            Assert.Equal(a.State, c.State);
            if (a.Terminal)
            {
                a.Reset();
                b.Reset();
                c.Reset();
            }
        }
    }

    [Fact]
    public void Without_kills_formation_moves_every_12_steps_and_aliens_shoot_every_10()
    {
        var rand = new Random(TestDevices.NewSeed());
        int checkedMoves = 0;
        for (int episode = 0; episode < 40; episode++)
        {
            var g = New();
            var prev = g.Observe();
            for (int t = 1; t <= 100; t++)
            {
                g.Step(rand.Next(3) switch { 0 => 0, 1 => 1, _ => 3 }); // never fires
                if (g.Terminal) break;
                var o = g.Observe();
                bool moved = !Rows(o, Alien).SequenceEqual(Rows(prev, Alien));
                Assert.Equal(t > 1 && t % 12 == 1, moved);
                if (moved) checkedMoves++;
                var shifted = new int[10];
                for (int y = 1; y < 10; y++) shifted[y] = prev.Row(Enemy, y - 1);
                bool shot = !Rows(o, Enemy).SequenceEqual(shifted);
                Assert.Equal(t > 1 && t % 10 == 1, shot);
                Assert.Equal(24, o.Count(Alien));
                prev = o;
            }
        }
        Assert.True(checkedMoves > 0);
    }

    [Fact]
    public void Shooting_an_alien_gives_reward_on_the_sixth_step()
    {
        var g = New();
        Assert.Equal(0, g.Step(5));
        Assert.True(g.Observe()[Friendly, 8, 5]);
        for (int t = 2; t <= 5; t++)
        {
            Assert.Equal(0, g.Step(0));
            Assert.True(g.Observe()[Friendly, 9 - t, 5]);
        }
        Assert.Equal(1, g.Step(0)); // the bullet reaches (5, 3), the lowest alien of column 5
        var o = g.Observe();
        Assert.Equal(23, o.Count(Alien));
        Assert.False(o[Alien, 3, 5]);
        Assert.Equal(0, o.Count(Friendly));
        Assert.False(g.Terminal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Clearing_a_wave_refills_it_and_ramps_only_with_ramping(bool ramping)
    {
        var g = New(ramping);
        for (int y = 0; y < 10; y++) g[G.AlienRows + y] = 0;
        g[G.AlienRows + 3] = 1 << 5; // a single alien at (5, 3)
        g.Step(5);
        for (int t = 2; t <= 5; t++) Assert.Equal(0, g.Step(0));
        Assert.Equal(1, g.Step(0));
        var o = g.Observe();
        Assert.True(IsFreshWave(o));
        Assert.Equal(ramping ? 1 : 0, g.RampIndex);
        Assert.Equal(ramping ? 11 : 12, g[G.MoveInterval]);
        Assert.Equal(6, g[G.MoveTimer]); // the running timer is untouched by the refill (12 - 6)
        Assert.Equal(Rows(o, Alien), Rows(o, AlienLeft));
    }

    [Fact]
    public void Ramp_stops_at_interval_6_and_index_6()
    {
        var g = New(true);
        for (int wave = 1; wave <= 9; wave++)
        {
            for (int y = 0; y < 10; y++) g[G.AlienRows + y] = 0;
            g[G.AlienRows + 3] = 1 << 0; // one alien far from the cannon's bullets
            g[G.Terminal] = 0;
            for (int y = 0; y < 10; y++) g[G.FriendlyRows + y] = g[G.EnemyRows + y] = 0;
            g[G.FriendlyRows + 4] = 1 << 0; // a bullet right below it
            g[G.MoveTimer] = 5;
            Assert.Equal(1, g.Step(0));
            Assert.Equal(Math.Min(wave, 6), g.RampIndex);
            Assert.Equal(Math.Max(12 - wave, 6), g[G.MoveInterval]);
        }
    }

    [Fact]
    public void An_alien_bullet_kills_a_still_cannon_on_step_17()
    {
        var g = New();
        for (int t = 1; t <= 16; t++)
        {
            Assert.Equal(0, g.Step(0));
            Assert.False(g.Terminal, $"step {t}");
            if (t == 11) Assert.Equal([(3, 5)], g.Observe().CellsOf(Enemy)); // shot from the lowest alien of column 5
        }
        Assert.Equal(0, g.Step(0));
        Assert.True(g.Terminal);
        Assert.Equal([(9, 5)], g.Observe().CellsOf(Enemy));
    }

    [Fact]
    public void The_formation_reverses_and_drops_at_the_left_edge()
    {
        var g = New();
        for (int t = 1; t <= 4; t++) g.Step(3); // cannon to column 9, out of the shooters' columns
        for (int t = 5; t <= 37; t++)
        {
            g.Step(0);
            Assert.False(g.Terminal, $"step {t}");
            var o = g.Observe();
            int expected = t < 13 ? Wave : t < 25 ? Wave >> 1 : Wave >> 2;
            int top = t < 37 ? 0 : 1;
            for (int y = 0; y < 10; y++) Assert.Equal(y >= top && y < top + 4 ? expected : 0, o.Row(Alien, y));
            Assert.Equal(t < 37 ? 24 : 0, o.Count(AlienLeft));
            Assert.Equal(t < 37 ? 0 : 24, o.Count(AlienRight));
        }
    }

    [Fact]
    public void A_bullet_and_a_dropping_alien_swap_places_and_both_survive()
    {
        var g = New();
        for (int y = 0; y < 10; y++) g[G.AlienRows + y] = 0;
        g[G.AlienRows + 4] = 1 << 0; // alien at (0, 4), direction left: the next move is a drop
        g[G.FriendlyRows + 5] = 1 << 0; // bullet at (0, 5) moves up into row 4 as the alien drops to row 5
        g[G.MoveTimer] = 0;
        g[G.Cannon] = 9;
        Assert.Equal(0, g.Step(0));
        var o = g.Observe();
        Assert.True(o[Alien, 5, 0]);
        Assert.True(o[Friendly, 4, 0]);
        Assert.Equal(1, o.Count(AlienRight));
    }

    [Fact]
    public void A_drop_with_an_alien_in_row_9_is_terminal_and_wraps_it_to_row_0()
    {
        var g = New();
        for (int y = 0; y < 10; y++) g[G.AlienRows + y] = 0;
        g[G.AlienRows + 9] = 1 << 0; // alien at (0, 9), formation moving left: the next move is a drop
        g[G.AlienRows + 8] = 1 << 3; // and one at (3, 8)
        g[G.MoveTimer] = 0;
        Assert.Equal(0, g.Step(0)); // the cannon stays at column 5
        Assert.True(g.Terminal);
        var o = g.Observe();
        Assert.Equal([(0, 0), (9, 3)], o.CellsOf(Alien)); // quirk §9.7
        Assert.Equal(2, o.Count(AlienRight));
    }

    [Fact]
    public void Host_and_ilgpu_kernel_play_identically()
    {
        var dev = (IlgpuDevice)TestDevices.Get("ilgpu-cpu");
        int seed = TestDevices.NewSeed();
        var (rewards, terminals) = GameHarness.CompareHostAndKernel<G>(dev, 128, 200, 50, seed, ramping: true, r => r.Next(6));
        Assert.True(rewards > 0 && terminals > 0, $"coverage: {rewards} rewards, {terminals} terminals (seed {seed})");
    }
}
