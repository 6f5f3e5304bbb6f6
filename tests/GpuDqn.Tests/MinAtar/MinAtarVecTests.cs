using GpuDqn.Engine;
using GpuDqn.Kernels.MinAtar;
using Xunit;

namespace GpuDqn.Tests.MinAtar;

/// <summary>
/// The batched environment on every present device: spec §8 invariants over random play,
/// host/kernel parity, sticky actions, auto-reset, the episode readout and the API's checks.
/// </summary>
public class MinAtarVecTests
{
    public static TheoryData<string, string> DevicesAndGames()
    {
        var data = new TheoryData<string, string>();
        foreach (var d in TestDevices.Ids)
            foreach (var g in Games)
                data.Add(d, g);
        return data;
    }

    private static readonly string[] Games = ["minatar-breakout", "minatar-freeway", "minatar-asterix"];

    /// <summary>Random actions; Freeway leans on "up" so that crossings happen.</summary>
    internal static int[] RandomActions(Random rng, string envId, int n, int numActions = 6)
    {
        var a = new int[n];
        for (int i = 0; i < n; i++)
            a[i] = envId == "minatar-freeway" && numActions == 6 && rng.NextDouble() < 0.6 ? 2 : rng.Next(numActions);
        return a;
    }

    private sealed class Run
    {
        public readonly MinAtarVec Env;
        public readonly Tensor<int> Actions;
        public readonly Tensor<float> Reward, Obs, Next;
        public readonly Tensor<byte> Terminated;

        public Run(string envId, Device device, int n, MinAtarOptions options, ulong seed)
        {
            Env = MinAtarVec.Create(envId, device, n, options);
            Actions = device.Zeros<int>(n);
            Reward = device.Zeros<float>(n);
            Terminated = device.Zeros<byte>(n);
            Obs = device.Zeros<float>(Env.ObservationShape);
            Next = device.Zeros<float>(Env.ObservationShape);
            Env.Reset(seed, Obs);
        }

        public void Step(int[] actions)
        {
            Actions.Upload(actions);
            Env.Step(Actions, Reward, Terminated, Obs, Next);
        }
    }

    [Theory]
    [MemberData(nameof(DevicesAndGames))]
    public void Random_play_keeps_the_spec_invariants(string device, string envId)
    {
        var dev = TestDevices.Get(device);
        bool slow = dev.Kind != DeviceKind.Cpu;
        int n = slow ? 256 : envId == "minatar-freeway" ? 3 : 64;
        int steps = slow ? 40 : envId == "minatar-freeway" ? 2510 : 300;
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        var run = new Run(envId, dev, n, new MinAtarOptions { StickyActionProb = 0f }, (ulong)seed);
        int c = run.Env.Channels;
        var checks = new GameInvariants[n];
        var obs = run.Obs.ToArray();
        var prev = new Obs[n];
        for (int e = 0; e < n; e++)
        {
            checks[e] = GameInvariants.For(envId);
            prev[e] = new Obs(obs, (long)e * c * 100, c);
            checks[e].OnReset(prev[e]);
        }
        int episodes = 0;
        long rewardSum = 0;
        for (int t = 0; t < steps; t++)
        {
            var actions = RandomActions(rng, envId, n);
            run.Step(actions);
            obs = run.Obs.ToArray();
            var next = run.Next.ToArray();
            var reward = run.Reward.ToArray();
            var term = run.Terminated.ToArray();
            for (int e = 0; e < n; e++)
            {
                string ctx = $"{envId} on {device}, seed {seed}, env {e}, step {t}";
                var o = new Obs(obs, (long)e * c * 100, c);
                var nx = new Obs(next, (long)e * c * 100, c);
                Assert.True(reward[e] == MathF.Floor(reward[e]) && reward[e] >= 0, ctx);
                try
                {
                    checks[e].OnStep(prev[e], actions[e], (int)reward[e], term[e] == 1, nx);
                    if (term[e] == 1)
                    {
                        episodes++;
                        checks[e].OnReset(o);
                    }
                    else Assert.True(o.SameAs(nx), "next_obs differs from obs on a step that did not end the episode");
                }
                catch (Exception ex)
                {
                    throw new Xunit.Sdk.XunitException($"{ctx}: {ex.Message}");
                }
                rewardSum += (long)reward[e];
                prev[e] = o;
            }
        }
        var stats = run.Env.ReadFinishedEpisodes();
        Assert.Equal(episodes, stats.Episodes);
        // Something happened: episodes ended (Breakout, Asterix, long Freeway) or rewards came (short Freeway).
        Assert.True(episodes > 0 || rewardSum > 0, $"no episode ended and no reward in {n}x{steps} steps");
    }

    [Theory]
    [InlineData("minatar-breakout", 256, 40)]
    [InlineData("minatar-asterix", 256, 60)]
    [InlineData("minatar-freeway", 256, 40)]
    [InlineData("minatar-freeway", 4, 2520)]
    [InlineData("minatar-space_invaders", 128, 60)]
    [InlineData("minatar-seaquest", 128, 60)]
    public void Kernel_and_host_give_identical_trajectories(string envId, int n, int steps)
    {
        // Long runs: the host plays the first steps alone, then the device takes over its state.
        int hostOnly = steps > 100 ? steps - 40 : 0;
        var host = TestDevices.Get("cpu");
        foreach (var id in TestDevices.Ids.Where(i => i != "cpu"))
        {
            var dev = TestDevices.Get(id);
            int seed = TestDevices.NewSeed();
            var rng = new Random(seed);
            var options = new MinAtarOptions { StickyActionProb = 0.25f, MinimalActionSet = seed % 2 == 0 };
            var a = new Run(envId, host, n, options, (ulong)seed);
            var b = new Run(envId, dev, n, options, (ulong)seed);
            string ctx = $"{envId} cpu vs {id}, seed {seed}";
            Assert.True(a.Obs.ToArray().AsSpan().SequenceEqual(b.Obs.ToArray()), $"{ctx}: reset observations differ");
            int ended = 0;
            for (int t = 0; t < steps; t++)
            {
                var actions = RandomActions(rng, envId, n, a.Env.NumActions);
                a.Step(actions);
                if (t < hostOnly)
                {
                    if (t == hostOnly - 1) b.Env.Restore(a.Env.Snapshot());
                    continue;
                }
                b.Step(actions);
                Assert.True(a.Reward.ToArray().AsSpan().SequenceEqual(b.Reward.ToArray()), $"{ctx}: rewards differ at step {t}");
                var ta = a.Terminated.ToArray();
                Assert.True(ta.AsSpan().SequenceEqual(b.Terminated.ToArray()), $"{ctx}: terminals differ at step {t}");
                ended += ta.Count(x => x == 1);
                Assert.True(a.Obs.ToArray().AsSpan().SequenceEqual(b.Obs.ToArray()), $"{ctx}: observations differ at step {t}");
                Assert.True(a.Next.ToArray().AsSpan().SequenceEqual(b.Next.ToArray()), $"{ctx}: next observations differ at step {t}");
            }
            Assert.Equal(a.Env.ReadState(), b.Env.ReadState());
            Assert.Equal(a.Env.ReadLastActions(), b.Env.ReadLastActions());
            var sa = a.Env.ReadFinishedEpisodes();
            var sb = b.Env.ReadFinishedEpisodes();
            Assert.Equal(sa.Episodes, sb.Episodes);
            Assert.Equal(sa.ReturnSum, sb.ReturnSum);
            Assert.Equal(sa.Returns, sb.Returns);
            Assert.Equal(sa.Lengths, sb.Lengths);
            Assert.Equal(sa.Episodes, ended);
            if (envId != "minatar-freeway" || steps > 2501) Assert.True(sa.Episodes > 0, $"{ctx}: no episode ended, auto-reset untested");
        }
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Sticky_probability_zero_and_one(string device)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        const int n = 64;
        var p0 = new Run("minatar-asterix", dev, n, new MinAtarOptions { StickyActionProb = 0f }, (ulong)seed);
        var p1 = new Run("minatar-asterix", dev, n, new MinAtarOptions { StickyActionProb = 1f }, (ulong)seed);
        for (int t = 0; t < 20; t++)
        {
            var actions = RandomActions(rng, "minatar-asterix", n);
            p0.Step(actions);
            p1.Step(actions);
            Assert.Equal(actions, p0.Env.ReadLastActions());
            Assert.All(p1.Env.ReadLastActions(), a => Assert.Equal(0, a));
        }
        // p = 1: every executed action is the initial no-op, so the player never moves.
        var s = p1.Env.ReadState();
        for (int e = 0; e < n; e++)
            if (s[e * 33 + Asterix.Terminal] == 0)
                Assert.Equal((5, 5), (s[e * 33 + Asterix.PlayerX], s[e * 33 + Asterix.PlayerY]));
    }

    [Fact]
    public void Sticky_probability_one_tenth_repeats_about_ten_percent()
    {
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        const int n = 512, steps = 80;
        var run = new Run("minatar-breakout", TestDevices.Get("cpu"), n, MinAtarOptions.Default, (ulong)seed);
        var last = new int[n];
        int differing = 0, replaced = 0;
        for (int t = 0; t < steps; t++)
        {
            var actions = RandomActions(rng, "minatar-breakout", n);
            run.Step(actions);
            var executed = run.Env.ReadLastActions();
            for (int e = 0; e < n; e++)
            {
                if (actions[e] == last[e]) Assert.Equal(actions[e], executed[e]);
                else
                {
                    differing++;
                    if (executed[e] != actions[e])
                    {
                        Assert.Equal(last[e], executed[e]);
                        replaced++;
                    }
                }
                last[e] = executed[e];
            }
        }
        double f = (double)replaced / differing;
        // differing ~ 34,000 draws: the standard deviation of f is ~0.0016, so 0.09..0.11 is > 6 sigma.
        Assert.True(f > 0.09 && f < 0.11, $"seed {seed}: replaced {replaced} of {differing} ({f:F4}), expected about 0.1");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Last_action_survives_auto_reset(string device)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        const int n = 128;
        // p = 0.5: after an episode ends, the first sticky repeat of the next episode must be the
        // last action executed in the previous one, never a reset no-op.
        var run = new Run("minatar-breakout", dev, n, new MinAtarOptions { StickyActionProb = 0.5f }, (ulong)seed);
        var rng = new Random(seed);
        var last = new int[n];
        var justReset = new bool[n];
        int checkedRepeats = 0;
        for (int t = 0; t < 30; t++)
        {
            var actions = new int[n];
            for (int e = 0; e < n; e++) actions[e] = 1 + rng.Next(5); // never no-op, so a repeat of "0" would show
            run.Step(actions);
            var executed = run.Env.ReadLastActions();
            var term = run.Terminated.ToArray();
            for (int e = 0; e < n; e++)
            {
                if (justReset[e] && executed[e] != actions[e])
                {
                    // A reset that cleared the memory would repeat no-op instead.
                    Assert.Equal(last[e], executed[e]);
                    if (last[e] != 0) checkedRepeats++;
                }
                justReset[e] = term[e] == 1;
                last[e] = executed[e];
            }
        }
        Assert.True(checkedRepeats > 0, "no sticky repeat right after an auto-reset was observed");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Same_seed_same_trajectory_and_episode_readout(string device)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        const int n = 64;
        var run = new Run("minatar-breakout", dev, n, MinAtarOptions.Default, (ulong)seed);
        var first = Play(run, seed, out var returns, out int episodes);
        var stats = run.Env.ReadFinishedEpisodes();
        Assert.Equal(episodes, stats.Episodes);
        Assert.Equal(returns.Sum(), stats.ReturnSum);
        Assert.Equal(returns.Count, stats.Returns.Length); // episodes last >= 6 steps: at most 3 per env in 20 steps, fewer than Ring
        Assert.Equal(returns.OrderBy(x => x), stats.Returns.OrderBy(x => x));
        Assert.Equal(0, run.Env.ReadFinishedEpisodes().Episodes); // cleared
        run.Env.Reset((ulong)seed, run.Obs);
        var again = Play(run, seed, out _, out _);
        Assert.Equal(first, again);
    }

    private static float[] Play(Run run, int seed, out List<int> returns, out int episodes)
    {
        var rng = new Random(seed);
        int n = run.Env.NumEnvs;
        var ret = new int[n];
        returns = [];
        episodes = 0;
        var trace = new List<float>();
        for (int t = 0; t < 20; t++)
        {
            run.Step(RandomActions(rng, run.Env.EnvId, n));
            var r = run.Reward.ToArray();
            var term = run.Terminated.ToArray();
            for (int e = 0; e < n; e++)
            {
                ret[e] += (int)r[e];
                if (term[e] == 1)
                {
                    returns.Add(ret[e]);
                    episodes++;
                    ret[e] = 0;
                }
            }
            trace.AddRange(r);
            trace.AddRange(run.Obs.ToArray());
        }
        Assert.Equal(ret, run.Env.ReadEpisodeReturns());
        return [.. trace];
    }

    [Fact]
    public void Ramp_indices_follow_the_ramping_flag()
    {
        // Host only: the readout downloads the state and runs the game's RampIndex on the host for every device.
        var dev = TestDevices.Get("cpu");
        var on = new Run("minatar-asterix", dev, 2, new MinAtarOptions { StickyActionProb = 1f }, 3);
        var off = new Run("minatar-asterix", dev, 2, new MinAtarOptions { StickyActionProb = 1f, DifficultyRamping = false }, 3);
        // p = 1: the player never moves; an episode may end, so look at envs still in their first episode.
        for (int t = 0; t < 102; t++)
        {
            on.Step([0, 0]);
            off.Step([0, 0]);
        }
        var lengths = on.Env.ReadEpisodeLengths();
        var ramp = on.Env.ReadRampIndices();
        for (int e = 0; e < 2; e++) Assert.Equal(lengths[e] >= 102 ? 1 : 0, ramp[e]);
        Assert.Equal([0, 0], off.Env.ReadRampIndices());
        var b = new Run("minatar-breakout", dev, 2, MinAtarOptions.Default, 3);
        Assert.Equal([-1, -1], b.Env.ReadRampIndices());
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Minimal_action_set_maps_before_sticky(string device)
    {
        var dev = TestDevices.Get(device);
        var run = new Run("minatar-freeway", dev, 3, new MinAtarOptions { StickyActionProb = 0f, MinimalActionSet = true }, 7);
        Assert.Equal(3, run.Env.NumActions);
        Assert.Equal([0, 2, 4], run.Env.ActionSet);
        run.Step([0, 1, 2]);
        Assert.Equal([0, 2, 4], run.Env.ReadLastActions());
        var full = MinAtarVec.Create("minatar-breakout", dev, 1);
        Assert.Equal(6, full.NumActions);
        Assert.Equal(4, full.Channels);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Bad_input_is_reported(string device)
    {
        var dev = TestDevices.Get(device);
        var run = new Run("minatar-breakout", dev, 4, MinAtarOptions.Default, 1);
        if (dev.Kind == DeviceKind.Cpu)
            Assert.Throws<ArgumentOutOfRangeException>(() => run.Step([0, 1, 6, 0]));
        else
        {
            run.Step([0, 1, 6, 0]);
            Assert.Throws<InvalidOperationException>(() => run.Env.ThrowIfInvalidActions());
            run.Env.ThrowIfInvalidActions(); // cleared
        }
        Assert.Throws<ArgumentException>(() => run.Env.Step(run.Actions, run.Reward, run.Terminated, dev.Zeros<float>(4, 7, 10, 10)));
        Assert.Throws<ArgumentException>(() => run.Env.Step(dev.Zeros<int>(5), run.Reward, run.Terminated, run.Obs));
        Assert.Throws<ArgumentException>(() => run.Env.Step(run.Actions, run.Reward, run.Terminated, run.Obs, run.Obs));
        var e = Assert.Throws<ArgumentException>(() => MinAtarVec.Create("minatar-pong", dev, 1));
        Assert.Contains("minatar-seaquest", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => MinAtarVec.Create("minatar-breakout", dev, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MinAtarVec.Create("minatar-breakout", dev, 1, new MinAtarOptions { StickyActionProb = 1.5f }));
        var fresh = MinAtarVec.Create("minatar-breakout", dev, 4);
        Assert.Throws<InvalidOperationException>(() => fresh.Step(run.Actions, run.Reward, run.Terminated, run.Obs));
    }
}
