using System.Text.Json.Nodes;
using Xunit;
using static GpuDqn.Tests.Cli.CliTests;

namespace GpuDqn.Tests.Cli;

/// <summary>One tiny CartPole run and one tiny MinAtar Breakout run, trained once for all of
/// <see cref="EvalErrorTests"/> (each takes well under a second on the CPU).</summary>
public sealed class TrainedCheckpoints : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "gpudqn-eval-errors-" + Guid.NewGuid().ToString("N"));
    public string CartPole => Path.Combine(Root, "cartpole", "checkpoint.safetensors");
    public string Breakout => Path.Combine(Root, "breakout", "checkpoint.safetensors");

    public TrainedCheckpoints()
    {
        Train("cartpole", "--env", "CartPole-v1");
        // A small buffer and few updates keep the MinAtar run fast; the eval cap keeps a stalled greedy policy short.
        Train("breakout", "--env", "minatar-breakout", "--buffer-size", "1000", "--batch-size", "32",
            "--train-frequency", "4", "--gradient-steps", "1", "--eval-max-episode-steps", "200");
    }

    private void Train(string name, params string[] envArgs)
    {
        var r = Run([
            "train", .. envArgs, "--steps", "300", "--learning-starts", "100", "--eval-every", "0", "--eval-episodes", "2",
            "--device", "cpu", "--run-dir", Path.Combine(Root, name)]);
        if (r.Code != 0) throw new InvalidOperationException($"training the {name} checkpoint failed:\n{r.Err}");
    }

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, true);
    }
}

/// <summary>Bad eval input (a damaged checkpoint sidecar, flags that do not fit together, too many
/// episodes) gives exit code 2 and one line naming the problem, never a stack trace or a silent wrong answer.</summary>
public class EvalErrorTests(TrainedCheckpoints trained) : IClassFixture<TrainedCheckpoints>
{
    private static (int Code, string Out, string Err) Eval(string checkpoint, params string[] more) =>
        Run(["eval", "--checkpoint", checkpoint, "--episodes", "2", "--device", "cpu", .. more]);

    /// <summary>A copy of a checkpoint (the CartPole one unless given) in its own folder, its sidecar changed by <paramref name="edit"/>.</summary>
    private string CopyWithSidecar(Action<JsonObject> edit, string? checkpoint = null)
    {
        string dir = Path.Combine(trained.Root, "edited-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string source = Path.GetDirectoryName(checkpoint ?? trained.CartPole)!;
        foreach (string name in new[] { "checkpoint.safetensors", "checkpoint.optim.safetensors" })
            File.Copy(Path.Combine(source, name), Path.Combine(dir, name));
        var side = JsonNode.Parse(File.ReadAllText(Path.Combine(source, "checkpoint.json")))!.AsObject();
        edit(side);
        File.WriteAllText(Path.Combine(dir, "checkpoint.json"), side.ToJsonString());
        return Path.Combine(dir, "checkpoint.safetensors");
    }

    [Fact]
    public void The_unedited_checkpoint_evaluates()
    {
        var r = Eval(CopyWithSidecar(_ => { }));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("CartPole-v1 checkpoint", r.Out);
    }

    [Fact]
    public void A_sidecar_naming_another_game_than_its_weights_is_refused()
    {
        // Breakout's and Asterix's networks have the same shapes: only the weights' own header tells.
        string path = CopyWithSidecar(side => side["config"]!["env"] = "minatar-asterix", trained.Breakout);
        AssertExit2(Eval(path), "holds weights trained on minatar-breakout, but its sidecar", "says minatar-asterix");
    }

    [Fact]
    public void A_sidecar_step_that_is_a_string_names_the_file_and_the_field()
    {
        string path = CopyWithSidecar(side => side["step"] = "abc");
        AssertExit2(Eval(path), Path.ChangeExtension(path, ".json"), "\"step\" must be a non-negative integer", "\"abc\"");
    }

    [Fact]
    public void A_sidecar_epsilon_of_the_wrong_type_names_the_file_and_the_field()
    {
        string path = CopyWithSidecar(side => side["epsilon"] = new JsonArray(1));
        AssertExit2(Eval(path), Path.ChangeExtension(path, ".json"), "\"epsilon\" must be a number in [0, 1]", "[1]");
    }

    [Fact]
    public void A_sidecar_config_with_null_hidden_layers_is_an_invalid_config()
    {
        string path = CopyWithSidecar(side => side["config"]!["hidden"] = null);
        AssertExit2(Eval(path), $"'{Path.ChangeExtension(path, ".json")}' has an invalid config", "hidden");
    }

    [Fact]
    public void A_sidecar_config_that_validation_rejects_names_the_setting()
    {
        string path = CopyWithSidecar(side => side["config"]!["gamma"] = 5);
        AssertExit2(Eval(path), $"'{Path.ChangeExtension(path, ".json")}' has an invalid config: gamma must be in [0, 1], got 5");
    }

    [Fact]
    public void A_sidecar_config_with_an_unknown_env_is_an_invalid_config()
    {
        string path = CopyWithSidecar(side => side["config"]!["env"] = "Pong-v9");
        AssertExit2(Eval(path), $"'{Path.ChangeExtension(path, ".json")}' has an invalid config: unknown environment 'Pong-v9'");
    }

    [Fact]
    public void A_sidecar_config_with_huge_hidden_layers_names_the_shape_mismatch()
    {
        string path = CopyWithSidecar(side => side["config"]!["hidden"] = new JsonArray(1_000_000_000, 1_000_000_000));
        AssertExit2(Eval(path), $"'{path}': tensor '0.weight' has shape [256, 4], the network needs [1000000000, 4]");
    }

    [Fact]
    public void A_breakout_checkpoint_is_not_evaluated_on_asterix()
    {
        // Same network shape: before the check this silently played Breakout weights on Asterix.
        AssertExit2(Eval(trained.Breakout, "--env", "minatar-asterix"),
            $"checkpoint '{trained.Breakout}' was trained on minatar-breakout; --env minatar-asterix is a different environment (omit --env to evaluate on minatar-breakout)");
    }

    [Fact]
    public void A_cartpole_checkpoint_is_not_evaluated_on_breakout()
    {
        AssertExit2(Eval(trained.CartPole, "--env", "minatar-breakout"),
            $"checkpoint '{trained.CartPole}' was trained on CartPole-v1; --env minatar-breakout is a different environment");
    }

    [Fact]
    public void An_env_that_matches_the_checkpoint_still_evaluates()
    {
        var r = Eval(trained.Breakout, "--env", "minatar-breakout");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("minatar-breakout checkpoint", r.Out);
        Assert.Contains("over 2 episodes", r.Out);
    }

    [Fact]
    public void A_checkpoint_with_the_random_policy_is_refused()
    {
        AssertExit2(Eval(trained.CartPole, "--env", "CartPole-v1", "--policy", "random"), "--checkpoint is not used with --policy random");
    }

    [Fact]
    public void An_epsilon_with_the_random_policy_is_refused() =>
        AssertExit2(Run("eval", "--env", "CartPole-v1", "--policy", "random", "--epsilon", "0.05", "--episodes", "2", "--device", "cpu"),
            "--epsilon is not used with --policy random");

    [Fact]
    public void The_greedy_policy_without_a_checkpoint_is_refused_even_with_an_env()
    {
        AssertExit2(Run("eval", "--env", "CartPole-v1", "--policy", "greedy", "--device", "cpu"), "eval needs --checkpoint PATH");
    }

    [Theory]
    [InlineData(600_000_000)]
    [InlineData(GpuDqn.Cli.EvalCommand.MaxEpisodes + 1)]
    public void Too_many_episodes_are_refused_with_the_limit(int episodes)
    {
        AssertExit2(Run("eval", "--env", "CartPole-v1", "--policy", "random", "--episodes", episodes.ToString(), "--device", "cpu"),
            $"--episodes must be at most {GpuDqn.Cli.EvalCommand.MaxEpisodes}", $"got {episodes}");
    }
}
