using GpuDqn.Engine;
using GpuDqn.Kernels.MinAtar;
using Xunit;
using G = GpuDqn.Kernels.MinAtar.Seaquest;

namespace GpuDqn.Tests.MinAtar.Games;

/// <summary>Seaquest (shared/specs/minatar.md §6) against the §8 checks and scripted scenarios.</summary>
public class SeaquestTests
{
    private const int Front = 0, Back = 1, Friendly = 2, Trail = 3, EnemyBullet = 4, Fish = 5, Sub = 6,
        OxygenGauge = 7, DiverGauge = 8, Diver = 9;
    private const int NoOp = 0, Left = 1, Up = 2, Right = 3, Down = 4, Fire = 5;

    private static HostGame<G> New(ulong seed = 0, bool ramping = true) => new(seed, 0, ramping);

    private readonly record struct Thing(int X, int Y, bool Right, bool IsSub, int MoveTimer, int ShotTimer);

    private static List<Thing> List(HostGame<G> g, int list, int count)
    {
        var r = new List<Thing>();
        for (int i = 0; i < g[count]; i++)
        {
            int o = g[list + i];
            r.Add(new Thing(G.X(o), G.Y(o), G.IsRight(o), G.IsSub(o), G.MoveTimerOf(o), G.ShotTimerOf(o)));
        }
        return r;
    }

    private static List<Thing> Enemies(HostGame<G> g) => List(g, G.Enemies, G.EnemyCount);
    private static List<Thing> Divers(HostGame<G> g) => List(g, G.Divers, G.DiverSlotCount);

    private static void Add(HostGame<G> g, int list, int count, Thing t)
    {
        g[list + g[count]] = G.Pack(t.X, t.Y, t.Right, t.IsSub, t.MoveTimer, t.ShotTimer);
        g[count]++;
    }

    /// <summary>Holds both spawn timers far off, so that a scripted scene stays as built.</summary>
    private static void NoSpawns(HostGame<G> g)
    {
        g[G.SpawnTimer] = 1_000_000;
        g[G.DiverTimer] = 1_000_000;
    }

    [Fact]
    public void Reset_observation_matches_spec()
    {
        var g = New();
        var o = g.Observe();
        Assert.Equal(10, g.Channels);
        Assert.False(g.Terminal);
        Assert.Equal(0, g.RampIndex);
        Assert.Equal([(0, 5)], o.CellsOf(Front));
        Assert.Equal([(0, 6)], o.CellsOf(Back)); // facing left
        Assert.Equal(0b1111111111, o.Row(OxygenGauge, 9));
        Assert.Equal(10, o.Count(OxygenGauge));
        foreach (int c in new[] { Friendly, Trail, EnemyBullet, Fish, Sub, DiverGauge, Diver }) Assert.Equal(0, o.Count(c));
    }

    /// <summary>Random actions with a per-episode bias towards diving or surfacing.</summary>
    private static int Policy(Random r, int bias) => r.Next(4) == 0 ? bias : r.Next(6);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Random_play_keeps_the_spec_invariants(bool ramping)
    {
        int seed = TestDevices.NewSeed();
        var rand = new Random(seed);
        var g = New((ulong)seed, ramping);
        int bias = Down, episodes = 0, rewardSteps = 0, fullRescues = 0, ramps = 0;
        for (int step = 0; step < 20000; step++)
        {
            string at = $"step {step} (seed {seed})";
            int action = Policy(rand, bias);
            // Capacity (§6.4): an append never finds its list full.
            if (action == Fire && g[G.Cooldown] == 0) Assert.True(g[G.BulletCount] < G.BulletSlots, at);
            if (g[G.DiverTimer] == 0) Assert.True(g[G.DiverSlotCount] < G.DiverSlots, at);
            if (g[G.SpawnTimer] == 0) Assert.True(g[G.EnemyCount] < G.EnemySlots, at);
            int oxygenBefore = g[G.Oxygen], diversBefore = g[G.DiverCount], rampBefore = g.RampIndex;
            bool surfacedBefore = g[G.Surfaced] != 0;

            int r = g.Step(action);
            var o = g.Observe();
            int sx = g[G.SubX], sy = g[G.SubY], oxygen = g[G.Oxygen], divers = g[G.DiverCount];
            bool terminal = g.Terminal;

            Assert.InRange(r, 0, 12);
            if (r > 0) rewardSteps++;
            Assert.True(g[G.EnemyCount] <= 59, at);
            // Row 9 holds only the gauges, and the gauges only row 9.
            for (int c = 0; c < 10; c++)
                for (int y = 0; y < 10; y++)
                    if (o.Row(c, y) != 0) Assert.True((y == 9) == (c is OxygenGauge or DiverGauge), $"channel {c} row {y}, {at}");
            Assert.Equal((1 << (Math.Max(0, oxygen) / 20)) - 1, o.Row(OxygenGauge, 9));
            Assert.True(divers <= 6, at);
            Assert.Equal(divers <= 0 ? 0 : ((1 << divers) - 1) << (9 - divers), o.Row(DiverGauge, 9));
            // The sub's two cells.
            Assert.Equal([(sy, sx)], o.CellsOf(Front));
            var back = o.CellsOf(Back).Single();
            Assert.Equal(sy, back.y);
            Assert.Equal(g[G.FacingRight] != 0 ? sx - 1 : sx + 1, back.x);
            // Objects only in rows 1..8, and lanes share a direction.
            foreach (int c in new[] { Trail, EnemyBullet, Fish, Sub, Diver })
                foreach (var (y, _) in o.CellsOf(c)) Assert.InRange(y, 1, 8);
            var enemies = Enemies(g);
            foreach (var e in enemies)
                Assert.All(enemies.Where(f => f.Y == e.Y), f => Assert.Equal(e.Right, f.Right));
            Assert.True(ramping || (g[G.SpawnPeriod] == 20 && g[G.MoveSpeed] == 5 && g.RampIndex == 0), at);
            Assert.InRange(g.RampIndex, 0, 19);
            // Oxygen and surfacing.
            bool surfacing = sy == 0 && !surfacedBefore && diversBefore != 0;
            if (sy > 0) Assert.Equal(oxygenBefore - 1, oxygen);
            else Assert.Equal(surfacing ? G.MaxOxygen : oxygenBefore, oxygen);
            if (!surfacing) Assert.Equal(rampBefore, g.RampIndex);
            else if (g.RampIndex != rampBefore) ramps++;
            if (r >= 3) Assert.True(surfacing && divers == -1, $"reward {r} without a full rescue, {at}");
            if (surfacing && divers == -1)
            {
                fullRescues++;
                Assert.Equal(0, o.Count(DiverGauge));
            }
            if (!terminal)
            {
                foreach (int c in new[] { EnemyBullet, Fish, Sub }) Assert.False(o[c, sy, sx], $"channel {c} on the sub, {at}");
                if (o[Diver, sy, sx]) Assert.Equal(6, divers);
            }
            if (terminal)
            {
                episodes++;
                g.Reset();
                bias = rand.Next(3) switch { 0 => Down, 1 => Up, _ => Fire };
                if (episodes % 2 == 0) g[G.DiverCount] = rand.Next(7); // start some episodes with divers aboard
            }
        }
        Assert.True(episodes > 20 && rewardSteps > 30 && fullRescues > 0, $"coverage: {episodes} episodes, {rewardSteps} rewards, {fullRescues} full rescues (seed {seed})");
        if (ramping) Assert.True(ramps > 0, $"no ramp (seed {seed})");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Plays_exactly_like_the_literal_list_reference(bool ramping)
    {
        int seed = TestDevices.NewSeed();
        var rand = new Random(seed);
        var g = New((ulong)seed, ramping);
        var reference = new SeaquestReference(ramping);
        var refRng = new EnvRandom((ulong)seed, 0, 0);
        int bias = Down, episodes = 0, rewards = 0;
        for (int step = 0; step < 20000; step++)
        {
            int a = Policy(rand, bias);
            int r = g.Step(a);
            Assert.Equal(reference.Step(a, ref refRng), r);
            string at = $"step {step} (seed {seed})";
            Assert.True(reference.Observe().AsSpan().SequenceEqual(g.Observe().Cells), $"observations differ at {at}");
            Assert.Equal(reference.Terminal, g.Terminal);
            Assert.Equal(reference.Ramp, g.RampIndex);
            Assert.Equal(refRng.Counter, g.Counter);
            rewards += r;
            if (g.Terminal)
            {
                episodes++;
                g.Reset();
                int divers = episodes % 2 == 0 ? rand.Next(7) : 0;
                g[G.DiverCount] = divers;
                reference = new SeaquestReference(ramping).WithDivers(divers);
                bias = rand.Next(3) switch { 0 => Down, 1 => Up, _ => Fire };
            }
        }
        Assert.True(episodes > 20 && rewards > 30, $"coverage: {episodes} episodes, {rewards} reward (seed {seed})");
    }

    [Fact]
    public void Terminal_steps_return_zero_and_change_nothing()
    {
        var rand = new Random(TestDevices.NewSeed());
        var g = New((ulong)rand.Next());
        int terminals = 0;
        for (int step = 0; step < 20000 && terminals < 10; step++)
        {
            g.Step(Policy(rand, Down));
            if (!g.Terminal) continue;
            terminals++;
            var obs = g.Observe();
            var state = (int[])g.State.Clone();
            ulong counter = g.Counter;
            for (int k = 0; k < 6; k++)
            {
                Assert.Equal(0, g.Step(k));
                Assert.True(g.Terminal);
                Assert.True(obs.SameAs(g.Observe()));
                Assert.Equal(state, g.State);
                Assert.Equal(counter, g.Counter);
            }
            g.Reset();
        }
        Assert.Equal(10, terminals);
    }

    [Fact]
    public void Same_seed_and_actions_give_the_same_trajectory()
    {
        int seed = TestDevices.NewSeed();
        var rand = new Random(seed);
        var a = New((ulong)seed);
        var b = New((ulong)seed);
        for (int step = 0; step < 5000; step++)
        {
            int act = Policy(rand, Down);
            Assert.Equal(a.Step(act), b.Step(act));
            Assert.Equal(a.State, b.State);
            Assert.True(a.Observe().SameAs(b.Observe()));
            if (a.Terminal)
            {
                a.Reset();
                b.Reset();
            }
        }
    }

    [Fact]
    public void First_enemy_spawns_on_step_21_moves_on_26_and_first_diver_on_31()
    {
        int subs = 0, fish = 0;
        for (ulong seed = 1; seed <= 30; seed++)
        {
            var g = New(seed);
            for (int t = 1; t <= 60; t++)
            {
                Assert.Equal(0, g.Step(NoOp)); // the surface is safe
                Assert.False(g.Terminal);
                var enemies = Enemies(g);
                Assert.Equal(t < 21 ? 0 : t < 41 ? 1 : enemies.Count, enemies.Count);
                Assert.Equal(t < 31 ? 0 : 1, Divers(g).Count);
                if (t >= 21 && t < 41)
                {
                    var e = enemies[0];
                    int moves = t < 26 ? 0 : 1 + (t - 26) / 6;
                    Assert.Equal(e.Right ? moves : 9 - moves, e.X);
                    if (t == 21) { if (e.IsSub) subs++; else fish++; }
                    int bullets = g.Observe().Count(EnemyBullet);
                    if (t < 31 || !e.IsSub) Assert.Equal(0, bullets);
                    else if (t == 31) Assert.Equal(1, bullets); // a sub first fires 10 steps after spawning
                }
                if (t >= 31)
                {
                    var d = Divers(g)[0];
                    int moves = t < 36 ? 0 : 1 + (t - 36) / 6;
                    Assert.Equal(d.Right ? moves : 9 - moves, d.X);
                }
            }
        }
        Assert.True(subs > 0 && fish > 0);
    }

    [Fact]
    public void Oxygen_runs_out_after_200_steps_below_and_ends_the_episode_on_the_next()
    {
        var g = New();
        NoSpawns(g);
        g.Step(Down);
        Assert.Equal(199, g[G.Oxygen]);
        for (int t = 2; t <= 200; t++)
        {
            g.Step(NoOp);
            Assert.False(g.Terminal, $"step {t}");
            Assert.Equal(200 - t, g[G.Oxygen]);
            Assert.Equal((200 - t) / 20, g.Observe().Count(OxygenGauge));
        }
        g.Step(NoOp);
        Assert.True(g.Terminal);
        Assert.Equal(0, g.Observe().Count(OxygenGauge));
    }

    [Fact]
    public void Surfacing_on_the_oxygen_death_step_shows_a_full_bar()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubY] = 1;
        g[G.Surfaced] = 0;
        g[G.Oxygen] = 0;
        g[G.DiverCount] = 2;
        Assert.Equal(0, g.Step(Up));
        Assert.True(g.Terminal);
        Assert.Equal(200, g[G.Oxygen]);
        Assert.Equal(1, g[G.DiverCount]);
        Assert.Equal(1, g.RampIndex);
        Assert.Equal(10, g.Observe().Count(OxygenGauge));
    }

    [Fact]
    public void Picking_up_a_diver_and_surfacing_refills_oxygen_then_surfacing_empty_is_fatal()
    {
        var g = New();
        NoSpawns(g);
        g.Step(Down);
        g.Step(Down); // sub at (5, 2)
        Add(g, G.Divers, G.DiverSlotCount, new Thing(4, 2, true, false, 3, 0));
        g.Step(Left); // the sub moves onto the diver: immediate pickup
        Assert.Equal(1, g[G.DiverCount]);
        Assert.Empty(Divers(g));
        Assert.Equal(0b0100000000, g.Observe().Row(DiverGauge, 9));
        g.Step(Up);
        Assert.Equal(0, g.Step(Up)); // back at the surface: a surfacing event, no reward (fewer than 6)
        Assert.False(g.Terminal);
        Assert.Equal(200, g[G.Oxygen]);
        Assert.Equal(0, g[G.DiverCount]);
        Assert.Equal(1, g.RampIndex);
        Assert.Equal(19, g[G.SpawnPeriod]);
        g.Step(NoOp); // staying at the surface is free
        Assert.Equal(200, g[G.Oxygen]);
        g.Step(Down);
        g.Step(Up);
        Assert.True(g.Terminal); // surfacing with no diver
    }

    [Fact]
    public void Six_diver_surfacing_pays_oxygen_and_leaves_minus_one_divers()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubY] = 1;
        g[G.Surfaced] = 0;
        g[G.Oxygen] = 157;
        g[G.DiverCount] = 6;
        Assert.Equal(0b0111111000, g.Observe().Row(DiverGauge, 9));
        Assert.Equal(7, g.Step(Up)); // floor(157 / 20)
        Assert.False(g.Terminal);
        Assert.Equal(-1, g[G.DiverCount]);
        Assert.Equal(0, g.Observe().Count(DiverGauge));
        Assert.Equal(200, g[G.Oxygen]);
        g.Step(Down);
        Assert.Equal(0, g.Step(Up)); // quirk §9.1: not fatal
        Assert.False(g.Terminal);
        Assert.Equal(-2, g[G.DiverCount]);
        Assert.Equal(2, g.RampIndex);
    }

    [Fact]
    public void A_diver_on_the_sub_with_six_aboard_keeps_moving()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubY] = 3;
        g[G.Surfaced] = 0;
        g[G.DiverCount] = 6;
        Add(g, G.Divers, G.DiverSlotCount, new Thing(5, 3, false, false, 0, 0));
        g.Step(NoOp);
        var d = Assert.Single(Divers(g));
        Assert.Equal((4, 3, 5), (d.X, d.Y, d.MoveTimer));
        Assert.Equal(6, g[G.DiverCount]);
    }

    [Fact]
    public void Shooting_a_fish_gives_reward_and_kills_the_oldest_on_the_cell()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubY] = 4;
        g[G.Surfaced] = 0;
        Add(g, G.Enemies, G.EnemyCount, new Thing(2, 4, false, false, 5, 10)); // oldest
        Add(g, G.Enemies, G.EnemyCount, new Thing(2, 4, false, false, 4, 10));
        Assert.Equal(0, g.Step(Fire)); // facing left: the bullet appears at (4, 4)
        Assert.Equal([(4, 4)], g.Observe().CellsOf(Friendly));
        Assert.Equal(0, g.Step(NoOp)); // (3, 4)
        Assert.Equal(1, g.Step(NoOp)); // (2, 4): one fish, the oldest, dies with the bullet
        var e = Assert.Single(Enemies(g));
        Assert.Equal(1, e.MoveTimer); // the younger one (timer 4, three steps later)
        Assert.Equal(0, g.Observe().Count(Friendly));
        Assert.False(g.Terminal);
    }

    [Fact]
    public void A_fish_is_hit_before_a_sub_on_the_same_cell()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubY] = 4;
        g[G.SubX] = 3;
        g[G.Surfaced] = 0;
        Add(g, G.Enemies, G.EnemyCount, new Thing(2, 4, false, true, 5, 10));
        Add(g, G.Enemies, G.EnemyCount, new Thing(2, 4, false, false, 5, 10));
        Assert.Equal(1, g.Step(Fire));
        Assert.True(Assert.Single(Enemies(g)).IsSub);
    }

    [Fact]
    public void Of_two_bullets_arriving_on_one_fish_the_newest_kills_it()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubY] = 7;
        g[G.Surfaced] = 0;
        Add(g, G.Bullets, G.BulletCount, new Thing(3, 4, true, false, 0, 0)); // older, moving right
        Add(g, G.Bullets, G.BulletCount, new Thing(5, 4, false, false, 0, 0)); // newer, moving left
        Add(g, G.Enemies, G.EnemyCount, new Thing(4, 4, false, false, 5, 10));
        Assert.Equal(1, g.Step(NoOp));
        Assert.Empty(Enemies(g));
        var b = Assert.Single(List(g, G.Bullets, G.BulletCount));
        Assert.Equal((4, 4, true), (b.X, b.Y, b.Right)); // the older bullet survives on the fish's cell
    }

    [Fact]
    public void A_moving_sub_takes_a_bullet_before_a_fish_can()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubY] = 7;
        g[G.Surfaced] = 0;
        Add(g, G.Bullets, G.BulletCount, new Thing(5, 4, false, false, 0, 0)); // moves to (4, 4) first
        Add(g, G.Enemies, G.EnemyCount, new Thing(3, 4, true, false, 0, 10)); // fish, older
        Add(g, G.Enemies, G.EnemyCount, new Thing(3, 4, true, true, 0, 5)); // sub, both move onto (4, 4)
        Assert.Equal(1, g.Step(NoOp));
        var e = Assert.Single(Enemies(g));
        Assert.False(e.IsSub);
        Assert.Equal((4, 4, 5), (e.X, e.Y, e.MoveTimer));
    }

    [Fact]
    public void A_sub_killed_while_moving_still_fires_its_last_bullet()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubX] = 8;
        g[G.SubY] = 7;
        g[G.Surfaced] = 0;
        Add(g, G.Bullets, G.BulletCount, new Thing(5, 4, false, false, 0, 0)); // moves to (4, 4)
        Add(g, G.Enemies, G.EnemyCount, new Thing(3, 4, true, true, 0, 0)); // moves onto (4, 4) and has to fire
        Assert.Equal(1, g.Step(NoOp));
        Assert.Empty(Enemies(g));
        Assert.Equal(0, g[G.BulletCount]);
        var o = g.Observe();
        Assert.Equal([(4, 5)], o.CellsOf(EnemyBullet)); // fired at (4, 4), moved once
        Assert.False(g.Terminal);
    }

    [Fact]
    public void An_enemy_bullet_reaching_the_sub_ends_the_episode()
    {
        var g = New();
        NoSpawns(g);
        g[G.SubX] = 6;
        g[G.SubY] = 4;
        g[G.Surfaced] = 0;
        Add(g, G.Enemies, G.EnemyCount, new Thing(3, 4, true, true, 5, 0)); // fires at (3, 4) now
        g.Step(NoOp);
        Assert.Equal([(4, 4)], g.Observe().CellsOf(EnemyBullet));
        g.Step(NoOp);
        Assert.False(g.Terminal);
        g.Step(NoOp);
        Assert.True(g.Terminal);
    }

    [Fact]
    public void A_spawn_into_a_lane_moving_the_other_way_is_cancelled()
    {
        int placed = 0, cancelled = 0;
        for (ulong seed = 1; seed <= 40; seed++)
        {
            var g = New(seed);
            g[G.DiverTimer] = 1_000_000;
            for (int y = 1; y <= 8; y++) Add(g, G.Enemies, G.EnemyCount, new Thing(5, y, true, false, 5, 10));
            g[G.SpawnTimer] = 0;
            g.Step(NoOp);
            var enemies = Enemies(g);
            if (enemies.Count == 9)
            {
                placed++;
                Assert.True(enemies[8].Right);
                Assert.Equal(0, enemies[8].X);
                Assert.Equal(4, enemies[8].MoveTimer); // spawned with the move speed 5, processed in the same step
            }
            else
            {
                Assert.Equal(8, enemies.Count);
                cancelled++;
            }
            Assert.Equal(19, g[G.SpawnTimer]);
        }
        Assert.True(placed > 0 && cancelled > 0, $"{placed} placed, {cancelled} cancelled");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Surfacing_ramps_spawn_period_and_move_speed_per_the_table(bool ramping)
    {
        int[] period = [20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 1];
        int[] speed = [5, 5, 4, 4, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
        var g = New(0, ramping);
        NoSpawns(g);
        for (int n = 1; n <= 21; n++)
        {
            g[G.SubY] = 1;
            g[G.Surfaced] = 0;
            g[G.DiverCount] = 1;
            g.Step(Up);
            Assert.False(g.Terminal);
            Assert.Equal(ramping ? Math.Min(n, 19) : 0, g.RampIndex);
            Assert.Equal(ramping ? period[n] : 20, g[G.SpawnPeriod]);
            Assert.Equal(ramping ? speed[n] : 5, g[G.MoveSpeed]);
        }
    }

    [Fact]
    public void Host_and_ilgpu_kernel_play_identically()
    {
        var dev = (IlgpuDevice)TestDevices.Get("ilgpu-cpu");
        int seed = TestDevices.NewSeed();
        var (rewards, terminals) = GameHarness.CompareHostAndKernel<G>(dev, 128, 150, 50, seed, ramping: true,
            r => r.Next(3) == 0 ? Down : r.Next(6));
        Assert.True(rewards > 0 && terminals > 0, $"coverage: {rewards} rewards, {terminals} terminals (seed {seed})");
    }
}
