using GpuDqn.Engine;
using GpuDqn.Envs;
using GpuDqn.Kernels.Atari;
using GpuDqn.Kernels.FrameReplay;
using GpuDqn.Kernels.MinAtar;
using GpuDqn.Nn;
using GpuDqn.Training;
using Xunit;
using Xunit.Abstractions;

namespace GpuDqn.Tests.Pixels;

/// <summary>MinAtar games rendered as Atari screens (pixels-*): rendering, the vector env, and DQN with the Nature network end to end.</summary>
public class PixelsTests(ITestOutputHelper output)
{
    private static double Luma(byte[] c) => 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];

    [Fact]
    public void A_cell_becomes_a_21x16_block_of_its_channel_colour_and_later_channels_win()
    {
        var cells = new byte[100];
        cells[3 * 10 + 7] = 3;   // channel 2 at (y 3, x 7)
        cells[9 * 10 + 0] = 1;   // channel 0 at (9, 0)
        var frame = new byte[AtariFrame.Bytes];
        Array.Fill(frame, (byte)77);
        MinAtarPixels.Draw(cells, frame);
        Assert.Equal(210 * 160 * 3, frame.Length);
        for (int y = 0; y < 210; y++)
            for (int x = 0; x < 160; x++)
            {
                int cy = y / 21, cx = x / 16;
                byte[] expect = (cy, cx) switch
                {
                    (3, 7) => MinAtarPixels.Palette[2],
                    (9, 0) => MinAtarPixels.Palette[0],
                    _ => [0, 0, 0],
                };
                for (int k = 0; k < 3; k++) Assert.Equal(expect[k], frame[(y * 160 + x) * 3 + k]);
            }

        // Two channels on one cell: the later channel is drawn.
        var games = MinAtarPixels.Create("pixels-breakout", 1, 5);
        games.Reset(0, frame);
        var grid = games.Grid(0);
        Assert.Contains(grid, c => c > 0);
        var redrawn = new byte[AtariFrame.Bytes];
        MinAtarPixels.Draw(grid, redrawn);
        Assert.Equal(redrawn, frame);
    }

    [Fact]
    public void Palette_colours_have_distinct_luminance()
    {
        var l = MinAtarPixels.Palette.Select(Luma).Order().ToArray();
        Assert.Equal(10, l.Length);
        for (int i = 1; i < l.Length; i++) Assert.True(l[i] - l[i - 1] >= 15, $"luminances {l[i - 1]:F1} and {l[i]:F1} are too close");
        Assert.True(l[0] >= 30, "the darkest colour must stand out from the black background");
    }

    [Theory]
    [InlineData("breakout")]
    [InlineData("freeway")]
    [InlineData("asterix")]
    [InlineData("space_invaders")]
    [InlineData("seaquest")]
    public void Grid_is_the_top_channel_of_the_MinAtar_observation(string game)
    {
        const int n = 3;
        var host = new HostDevice();
        using var vec = MinAtarVec.Create("minatar-" + game, host, n, new MinAtarOptions { StickyActionProb = 0 });
        var obs = host.Zeros<float>(n, vec.Channels, 10, 10);
        vec.Reset(11, obs);
        var o = obs.ToArray();
        var games = MinAtarPixels.Create("pixels-" + game, n, 11);
        Assert.Equal(vec.Channels, games.Channels);
        var frame = new byte[AtariFrame.Bytes];
        int marked = 0;
        for (int e = 0; e < n; e++)
        {
            games.Reset(e, frame);
            var grid = games.Grid(e);
            for (int cell = 0; cell < 100; cell++)
            {
                int top = 0;
                for (int c = 0; c < vec.Channels; c++) if (o[(e * vec.Channels + c) * 100 + cell] != 0) top = c + 1;
                Assert.Equal(top, grid[cell]);
                if (top > 0) marked++;
            }
        }
        Assert.True(marked > 0);
    }

    [Fact]
    public void Breakout_follows_MinAtar_step_for_step_and_actions_map_to_Atari_ids()
    {
        var games = MinAtarPixels.Create("pixels-breakout", 1, 2);
        Assert.Equal([AtariActions.Noop, AtariActions.Left, AtariActions.Right], games.ActionSet);
        Assert.Equal([AtariActions.Noop, AtariActions.Left, AtariActions.Up, AtariActions.Right, AtariActions.Down, AtariActions.Fire],
            MinAtarPixels.Create("pixels-seaquest", 1, 2).ActionSet);
        Assert.Equal(1, games.Lives(0));
        // Breakout draws randomness only at resets, so MinAtarVec (which draws a sticky number every step) stays in step.
        var host = new HostDevice();
        using var vec = MinAtarVec.Create("minatar-breakout", host, 1, new MinAtarOptions { StickyActionProb = 0, MinimalActionSet = true });
        var obs = host.Zeros<float>(1, 4, 10, 10);
        var act = host.Zeros<int>(1);
        var rew = host.Zeros<float>(1);
        var term = host.Zeros<byte>(1);
        vec.Reset(2, obs);
        var frame = new byte[AtariFrame.Bytes];
        games.Reset(0, frame);
        int[] script = [2, 2, 2, 1, 0, 2, 1, 1, 2, 0, 0, 2, 2, 2, 2, 1, 1, 1];
        bool ended = false;
        foreach (int a in script)
        {
            act.Upload([a]);
            vec.Step(act, rew, term, obs);
            var r = games.Step(0, a, frame);
            Assert.Equal(rew.ToArray()[0], r.Reward);
            Assert.Equal(term.ToArray()[0] != 0, r.Terminated);
            Assert.Equal(1, r.Lives);
            if (r.Terminated) { ended = true; break; }
            var o = obs.ToArray();
            var grid = games.Grid(0);
            for (int cell = 0; cell < 100; cell++)
            {
                int top = 0;
                for (int c = 0; c < 4; c++) if (o[c * 100 + cell] != 0) top = c + 1;
                Assert.Equal(top, grid[cell]);
            }
        }
        output.WriteLine($"episode ended within the script: {ended}");
    }

    [Fact]
    public void PixelsEnv_observations_are_stacks_of_84x84_frames_in_0_1_and_replay_is_frame_once()
    {
        var dev = TestDevices.Get("cpu");
        using var env = (PixelsEnv)EnvFactory.Create("pixels-breakout", dev, 2, 4);
        Assert.Equal([4, 84, 84], env.ObservationShape);
        Assert.Equal(3, env.NumActions);
        env.Reset(4);
        var x = env.Observations.ToArray();
        Assert.Equal(2 * 4 * 84 * 84, x.Length);
        Assert.All(x, v => Assert.InRange(v, 0f, 1f));
        // After a reset only the newest slot holds a frame: Frame / 255.
        var f = env.Pipe.Frame.ToArray();
        for (int e = 0; e < 2; e++)
            for (int p = 0; p < 84 * 84; p++)
            {
                for (int s = 0; s < 3; s++) Assert.Equal(0f, x[((e * 4 + s) * 84 * 84) + p]);
                Assert.Equal(f[e * 84 * 84 + p] / 255f, x[((e * 4 + 3) * 84 * 84) + p]);
            }
        Assert.Contains(f, b => b > 0);
        var acts = dev.Zeros<int>(2);
        acts.Upload([1, 2]);
        var r = env.Step(acts);
        Assert.Equal([2], r.Rewards.Shape);
        var y = env.Observations.ToArray();
        // The stack shifted: slot 2 now holds the reset frame.
        for (int p = 0; p < 84 * 84; p++) Assert.Equal(x[3 * 84 * 84 + p], y[2 * 84 * 84 + p]);

        var cfg = new TrainConfig { Env = "pixels-breakout", BufferSize = 100, BatchSize = 4 };
        using (var replay = IReplay.Create(cfg, env)) Assert.IsType<FrameOnceReplay>(replay);
        using var minatar = EnvFactory.Create("minatar-breakout", dev, 2, 4);
        using (var replay = IReplay.Create(cfg with { Env = "minatar-breakout" }, minatar)) Assert.IsType<VectorReplay>(replay);
    }

    [Fact]
    public void PixelsEnv_on_ilgpu_cpu_matches_cpu()
    {
        float[] Run(Device dev)
        {
            using var env = EnvFactory.Create("pixels-asterix", dev, 2, 9);
            env.Reset(9);
            var a = dev.Zeros<int>(2);
            var rewards = new List<float>();
            for (int t = 0; t < 6; t++)
            {
                a.Upload([t % 5, (t * 3) % 5]);
                rewards.AddRange(env.Step(a).Rewards.ToArray());
            }
            return [.. env.Observations.ToArray(), .. rewards];
        }
        Assert.Equal(Run(TestDevices.Get("cpu")), Run(TestDevices.Get("ilgpu-cpu")));
    }

    [Fact]
    public void Nature_preset_memory_plan_on_cpu_counts_the_frame_store_against_the_machine()
    {
        var cfg = Presets.Apply("nature", new TrainConfig { Env = "pixels-breakout" }) with { Device = "cpu" };
        var dev = TestDevices.Get("cpu");
        using var env = EnvFactory.Create(cfg.Env, dev, cfg.NumEnvs, cfg.Seed);
        var net = EnvFactory.Network(cfg, env.ObservationShape, env.NumActions);
        // The preset's 1M frames (7.06 GB, more than one .NET array: the cpu store is chunked) are
        // planned against the machine's memory: they fit where it is large enough, else the error names both.
        long need = MemoryPlan.ForFrameReplay(cfg.NumEnvs, cfg.BufferSize / cfg.NumEnvs).TotalBytes + 5L * 4 * net.ParameterCount;
        InsufficientMemoryException? refused = null;
        long planned = 0;
        try
        {
            planned = IReplay.CheckMemory(cfg, env, net, dev);
        }
        catch (InsufficientMemoryException tooMuch)
        {
            refused = tooMuch;
        }
        if (refused is null)
            Assert.True(planned > need && planned <= dev.MemoryBytes, $"planned {planned:N0} of {dev.MemoryBytes:N0}, frames and networks {need:N0}");
        else
        {
            Assert.Contains("7,065,000,000 bytes", refused.Message);
            Assert.Contains($"{dev.MemoryBytes:N0}", refused.Message);
        }
        // A buffer no machine here holds fails before anything is allocated, with the numbers.
        var e = Assert.Throws<InsufficientMemoryException>(() => IReplay.CheckMemory(cfg with { BufferSize = 100_000_000 }, env, net, dev));
        Assert.True(e.Message.Contains("706.50 GB"), e.Message);
        Assert.Contains("device cpu", e.Message);
        // A small buffer fits; the estimate covers the frames plus the networks.
        long bytes = IReplay.CheckMemory(cfg with { BufferSize = 1000 }, env, net, dev);
        Assert.True(bytes > 1000L * 84 * 84 + 5L * 4 * net.ParameterCount, $"estimate {bytes:N0}");
    }

    [Fact]
    public void Trains_checkpoints_reloads_and_evaluates_pixels_breakout_with_the_nature_network_on_cpu()
    {
        var dev = TestDevices.Get("cpu");
        string dir = Path.Combine(Path.GetTempPath(), "gpudqn-pixels-" + Guid.NewGuid().ToString("N"));
        var cfg = Presets.Apply("nature", new TrainConfig { Env = "pixels-breakout" }) with
        {
            Device = "cpu", Seed = 7, TotalSteps = 200, BufferSize = 200, BatchSize = 4, LearningStarts = 50,
            TrainFrequency = 4, TargetUpdateInterval = 50, EvalEvery = 0, EvalEpisodes = 2, LogEvery = 100, RunDir = dir,
        };
        var log = new StringWriter();
        var result = new Trainer(cfg, log).Run(dev);
        output.WriteLine(log.ToString());
        Assert.Equal(200, result.Steps);
        Assert.Contains("1,685,667 parameters", log.ToString());   // the Nature network for 3 actions
        Assert.Contains("updates 38", log.ToString());             // at steps 52, 56, ..., 200
        var metrics = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        var last = metrics[^1].Split(',');
        Assert.Equal("eval", last[1]);
        Assert.True(float.IsFinite(float.Parse(last[4], System.Globalization.CultureInfo.InvariantCulture)), $"loss {last[4]}");

        string ckpt = Path.Combine(dir, "checkpoint.safetensors");
        Training.ReloadedRun.AssertPlaysLikeTheFinalEvaluation(ckpt, dev, result);
        Directory.Delete(dir, recursive: true);
    }
}
