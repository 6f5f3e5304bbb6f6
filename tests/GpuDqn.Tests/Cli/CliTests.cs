using Xunit;

namespace GpuDqn.Tests.Cli;

/// <summary>The gpudqn command line, run in-process: bad input gives one line naming the
/// problem and a non-zero exit code; good input works.</summary>
public class CliTests
{
    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = GpuDqn.Cli.Cli.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Bad input: exit code 2 and one line "error: ..." holding each of <paramref name="mustContain"/>.</summary>
    internal static void AssertExit2((int Code, string Out, string Err) r, params string[] mustContain)
    {
        Assert.True(r.Code == 2, $"expected exit code 2, got {r.Code}; stdout:\n{r.Out}\nstderr:\n{r.Err}");
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{r.Err}");
        Assert.StartsWith("error: ", r.Err);
        foreach (string s in mustContain) Assert.Contains(s, r.Err);
    }

    internal static void AssertOneLineError((int Code, string Out, string Err) r, string mustContain)
    {
        Assert.NotEqual(0, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got:\n{r.Err}");
        Assert.Contains(mustContain, r.Err);
    }

    [Fact]
    public void Unknown_env_is_named() =>
        AssertOneLineError(Run("train", "--env", "Pong-v9", "--device", "cpu", "--steps", "10"), "unknown environment 'Pong-v9'");

    [Fact]
    public void Negative_gamma_is_named() =>
        AssertOneLineError(Run("train", "--gamma", "-0.5", "--device", "cpu"), "gamma must be in [0, 1], got -0.5");

    [Fact]
    public void Batch_larger_than_buffer_is_named() =>
        AssertOneLineError(Run("train", "--batch-size", "256", "--buffer-size", "100", "--device", "cpu"), "batch_size 256 is larger than buffer_size 100");

    [Fact]
    public void Missing_checkpoint_is_named() =>
        AssertOneLineError(Run("eval", "--checkpoint", "/nonexistent/ckpt.safetensors", "--device", "cpu"), "'/nonexistent/ckpt.safetensors' does not exist");

    [Fact]
    public void A_replay_larger_than_the_machine_is_refused_with_the_numbers_before_allocating() =>
        AssertOneLineError(Run("train", "--env", "pixels-breakout", "--preset", "nature", "--buffer-size", "100000000", "--device", "cpu", "--steps", "10"),
            "706.50 GB");

    [Fact]
    public void Unknown_device_is_named() =>
        AssertOneLineError(Run("train", "--device", "tpu"), "unknown device 'tpu'");

    [Fact]
    public void Unknown_config_key_is_named()
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, """{ "gama": 0.9 }""");
        AssertOneLineError(Run("train", "--config", path, "--device", "cpu"), "unknown key 'gama'");
        File.Delete(path);
    }

    [Fact]
    public void Devices_lists_cpu_and_the_auto_choice()
    {
        var r = Run("devices");
        Assert.Equal(0, r.Code);
        Assert.Contains("ilgpu-cpu", r.Out);
        Assert.Contains("auto = ", r.Out);
    }

    [Fact]
    public void Selftest_runs_a_filtered_table_on_cpu()
    {
        var r = Run("selftest", "--device", "cpu", "--filter", "relu");
        Assert.Equal(0, r.Code);
        Assert.Contains("relu.forward", r.Out);
        Assert.Contains("12 passed, 0 failed", r.Out);
    }

    [Fact]
    public void Random_policy_eval_prints_mean_and_standard_error()
    {
        var r = Run("eval", "--env", "CartPole-v1", "--policy", "random", "--episodes", "50", "--seed", "7", "--device", "cpu");
        Assert.Equal(0, r.Code);
        Assert.Contains("random policy over 50 episodes", r.Out);
        // A uniformly random CartPole policy averages about 22 steps.
        var mean = double.Parse(r.Out.Split("return ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(mean, 15, 30);
    }

    [Fact]
    public void Train_writes_a_run_directory_that_eval_reads()
    {
        string dir = Path.Combine(Path.GetTempPath(), "gpudqn-cli-" + Guid.NewGuid().ToString("N"));
        var r = Run("train", "--device", "cpu", "--steps", "600", "--learning-starts", "200", "--eval-episodes", "2", "--eval-every", "0", "--run-dir", dir);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains($"run saved to {dir}", r.Out);
        var e = Run("eval", "--checkpoint", Path.Combine(dir, "checkpoint.safetensors"), "--episodes", "2", "--device", "cpu");
        Assert.True(e.Code == 0, e.Err);
        Assert.Contains("over 2 episodes", e.Out);
        Directory.Delete(dir, true);
    }
}
