using Xunit;
using static GpuDqn.Tests.Cli.CliTests;

namespace GpuDqn.Tests.Cli;

/// <summary>
/// `gpudqn train` on bad input: one line naming the problem, exit code 2, and nothing written over
/// an earlier run; a run that diverges stops before it saves NaN weights.
/// </summary>
public class TrainInputTests
{
    private static string TempPath(string what) => Path.Combine(Path.GetTempPath(), $"gpudqn-{what}-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData("--gamma", "NaN")]
    [InlineData("--learning-rate", "Infinity")]
    [InlineData("--max-grad-norm", "Infinity")]
    [InlineData("--rmsprop-alpha", "NaN")]
    public void A_non_finite_number_names_its_flag(string flag, string value) =>
        AssertExit2(Run("train", flag, value, "--device", "cpu"), $"{flag} must be a finite number, got {value}");

    [Theory]
    [InlineData("--optimizer-eps", "0", "optimizer_eps must be a finite number > 0")]
    [InlineData("--rmsprop-alpha", "5", "rmsprop_alpha must be in [0, 1), got 5")]
    [InlineData("--eval-episodes", "600000000", "eval_episodes must be in [1, 10000]")]
    [InlineData("--checkpoint-every", "-5", "checkpoint_every must be >= 0")]
    public void An_out_of_range_setting_is_named(string flag, string value, string message) =>
        AssertExit2(Run("train", flag, value, "--device", "cpu"), message);

    [Fact]
    public void Num_envs_times_n_steps_does_not_wrap_around_the_buffer_check() =>
        AssertExit2(Run("train", "--num-envs", "1073741824", "--n-steps", "3", "--device", "cpu"), "buffer_size 100000 must hold at least (n_steps + 1) steps of all 1073741824 envs, 4294967296");

    [Fact]
    public void Steps_and_total_steps_together_are_refused() =>
        AssertExit2(Run("train", "--steps", "5", "--total-steps", "7", "--device", "cpu"), "--steps is an alias of --total-steps");

    [Theory]
    [InlineData("--steps abc", "Cannot parse argument 'abc' for option '--steps' as an integer")]
    [InlineData("--bogus 1", "Unrecognized command or argument '--bogus'")]
    public void A_parse_error_is_one_line_with_exit_code_2(string args, string message) =>
        AssertExit2(Run(["train", .. args.Split(' ')]), message);

    [Theory]
    [InlineData("""{ "gamma": 0.9, "gamma": 0.5 }""", "config file")]
    [InlineData("""{ "gamma": "x" }""", "the value of 'gamma' has the wrong type")]
    [InlineData("""{ "hidden": null }""", "hidden must list the MLP's layer widths")]
    [InlineData("""{ "env": null }""", "env must name an environment, got null")]
    [InlineData("""{ "run_root": "" }""", "run_root must name a directory, got an empty string")]
    public void A_bad_config_file_value_is_named(string json, string message)
    {
        string path = Path.GetTempFileName();
        File.WriteAllText(path, json);
        try { AssertExit2(Run("train", "--config", path, "--device", "cpu"), message); }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_network_that_does_not_fit_the_env_is_named_before_the_run_directory_exists()
    {
        string root = TempPath("root");
        AssertExit2(Run("train", "--network", "minatar", "--env", "CartPole-v1", "--device", "cpu", "--run-root", root),
            "network 'minatar' takes observations of shape [C, 10, 10]; CartPole-v1 gives [4]");
        Assert.False(Directory.Exists(root));
    }

    [Fact]
    public void An_existing_run_directory_is_left_as_it_was()
    {
        string dir = TempPath("old-run");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "metrics.csv"), "an earlier run's metrics\n");
        AssertExit2(Run("train", "--device", "cpu", "--steps", "100", "--run-dir", dir), $"run directory '{dir}' already exists and is not empty");
        Assert.Equal(["metrics.csv"], Directory.GetFiles(dir).Select(Path.GetFileName));
        Assert.Equal("an earlier run's metrics\n", File.ReadAllText(Path.Combine(dir, "metrics.csv")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void A_run_directory_that_is_a_file_is_named()
    {
        string file = Path.GetTempFileName();
        try { AssertExit2(Run("train", "--device", "cpu", "--steps", "100", "--run-dir", file), $"cannot create the run directory '{file}'"); }
        finally { File.Delete(file); }
    }

    [Fact]
    public void A_diverging_run_stops_before_saving_nan_weights()
    {
        string dir = TempPath("diverge");
        var r = Run("train", "--device", "cpu", "--steps", "400", "--learning-starts", "100", "--learning-rate", "1e30",
            "--eval-every", "0", "--eval-episodes", "2", "--run-dir", dir);
        AssertExit2(r, "training diverged at step ");
        Assert.Contains("loss NaN", r.Err);
        Assert.False(File.Exists(Path.Combine(dir, "checkpoint.safetensors")));
        Assert.False(File.Exists(Path.Combine(dir, "best.safetensors")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void A_run_that_ends_before_learning_starts_says_so()
    {
        string dir = TempPath("no-learning");
        var r = Run("train", "--device", "cpu", "--steps", "200", "--learning-starts", "100000", "--eval-every", "0", "--eval-episodes", "2", "--run-dir", dir);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("note: learning_starts (100,000) is not below total_steps (200): the network will not be trained", r.Out);
        Directory.Delete(dir, true);
    }

    [Fact]
    public void The_mlp_network_flattens_grid_observations_and_its_checkpoint_evaluates()
    {
        string dir = TempPath("mlp-grid");
        var r = Run("train", "--network", "mlp", "--hidden", "32", "--env", "minatar-breakout", "--device", "cpu", "--steps", "300",
            "--learning-starts", "100", "--train-frequency", "4", "--gradient-steps", "1", "--batch-size", "16",
            "--eval-every", "0", "--eval-episodes", "2", "--run-dir", dir);
        Assert.True(r.Code == 0, r.Err);
        var e = Run("eval", "--checkpoint", Path.Combine(dir, "checkpoint.safetensors"), "--episodes", "2", "--device", "cpu");
        Assert.True(e.Code == 0, e.Err);
        Assert.Contains("minatar-breakout checkpoint", e.Out);
        Directory.Delete(dir, true);
    }
}
