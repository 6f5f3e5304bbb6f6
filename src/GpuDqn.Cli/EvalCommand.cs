using System.CommandLine;
using GpuDqn.Checkpoints;
using GpuDqn.Nn;
using GpuDqn.Training;

namespace GpuDqn.Cli;

/// <summary>
/// <c>gpudqn eval --checkpoint PATH</c> plays K episodes greedily; <c>gpudqn eval --env ID
/// --policy random</c> plays a uniformly random policy (the baseline papers report).
/// </summary>
public static class EvalCommand
{
    /// <summary>The most episodes one evaluation plays (a run's eval_episodes has the same limit): the
    /// evaluator runs one environment per episode, all at once, so a huge count overflows its allocations.</summary>
    public const int MaxEpisodes = TrainConfig.MaxEvalEpisodes;

    public static Command Build()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "a checkpoint.safetensors written by gpudqn train" };
        var env = new Option<string?>("--env") { Description = "environment id (with --policy random; with --checkpoint, must be the checkpoint's)" };
        var policy = new Option<string>("--policy") { Description = "greedy (needs --checkpoint) or random", DefaultValueFactory = _ => "greedy" };
        var episodes = new Option<int>("--episodes") { Description = "episodes to play", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "seed of the episodes", DefaultValueFactory = _ => 12345 };
        var epsilon = new Option<float>("--epsilon") { Description = "ε of the ε-greedy evaluation policy", DefaultValueFactory = _ => 0f };
        var device = new Option<string>("--device") { Description = "device id", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("eval", "Evaluate a checkpoint, or a random policy on an environment") { checkpoint, env, policy, episodes, seed, epsilon, device };
        cmd.SetAction(parse =>
        {
            var o = parse.InvocationConfiguration.Output;
            int k = parse.GetValue(episodes);
            if (k <= 0) throw new UserError($"--episodes must be positive, got {k}");
            if (k > MaxEpisodes) throw new UserError($"--episodes must be at most {MaxEpisodes} (eval plays all episodes at once, one environment each), got {k}");
            float eps = parse.GetValue(epsilon);
            if (eps is < 0 or > 1) throw new UserError($"--epsilon must be in [0, 1], got {eps}");
            int s = parse.GetValue(seed);
            string pol = parse.GetValue(policy)!;
            using var dev = Devices.Open(parse.GetValue(device)!);
            try
            {
                if (pol == "random")
                {
                    // A random policy reads no weights; ignoring a given checkpoint would report its baseline as the checkpoint's score.
                    if (parse.GetValue(checkpoint) is not null) throw new UserError("--checkpoint is not used with --policy random");
                    if (parse.GetResult(epsilon) is { Implicit: false }) throw new UserError("--epsilon is not used with --policy random (every action is random)");
                    string id = parse.GetValue(env) ?? throw new UserError("--policy random needs --env");
                    var r = Evaluator.Run(new TrainConfig { Env = id }, null, k, 1f, s, dev);
                    o.WriteLine($"{id} random policy over {r.Episodes} episodes (seed {s}): return {r.MeanReturn:F2} ± {r.StdError:F2} (standard error), mean length {r.MeanLength:F1}");
                    return 0;
                }
                if (pol != "greedy") throw new UserError($"unknown --policy '{pol}'; expected greedy or random");
                string path = parse.GetValue(checkpoint) ?? throw new UserError("eval needs --checkpoint PATH (or --env ID --policy random)");
                var loaded = Checkpoint.Load(path, EnvFactory.NetworkFor);
                // The network shape alone does not tell environments apart (every MinAtar game
                // with the same channels and actions fits Breakout's weights), so --env must match.
                string? envGiven = parse.GetValue(env);
                if (envGiven is not null && envGiven != loaded.Config.Env)
                    throw new UserError($"checkpoint '{path}' was trained on {loaded.Config.Env}; --env {envGiven} is a different environment (omit --env to evaluate on {loaded.Config.Env})");
                var cfg = loaded.Config;
                var model = new Model(EnvFactory.NetworkFor(cfg), dev, 0);
                model.Parameters.Upload(loaded.Parameters);
                var res = Evaluator.Run(cfg, model, k, eps, s);
                o.WriteLine($"{cfg.Env} checkpoint {path} (step {loaded.Step:N0}) over {res.Episodes} episodes (seed {s}, epsilon {eps}): return {res.MeanReturn:F2} ± {res.StdReturn:F2} (std), mean length {res.MeanLength:F1}");
                return 0;
            }
            catch (CheckpointException e) { throw new UserError(e.Message); }
            catch (ArgumentException e) { throw new UserError(e.Message); }
        });
        return cmd;
    }
}
