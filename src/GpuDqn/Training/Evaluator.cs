using GpuDqn.Engine;
using GpuDqn.Envs;
using GpuDqn.Kernels;
using GpuDqn.Nn;

namespace GpuDqn.Training;

/// <summary>Mean and spread of K evaluation episodes.</summary>
public sealed record EvalResult(int Episodes, double MeanReturn, double StdReturn, double StdError, double MeanLength)
{
    public static EvalResult From(IReadOnlyList<EpisodeStats> eps)
    {
        double mean = eps.Average(e => e.Return);
        double var = eps.Count > 1 ? eps.Sum(e => (e.Return - mean) * (e.Return - mean)) / (eps.Count - 1) : 0;
        return new EvalResult(eps.Count, mean, Math.Sqrt(var), Math.Sqrt(var / eps.Count), eps.Average(e => (double)e.Length));
    }
}

/// <summary>
/// Plays K episodes with K parallel environments, one episode each (the first episode of
/// every environment counts, so short episodes are not over-represented), acting
/// ε-greedily with ε = eval_epsilon, or uniformly at random when no model is given. An
/// episode still running after eval_max_episode_steps is cut and counted with its return so
/// far (rewards are read back every step for that: evaluation is rare, so the reads are cheap).
/// </summary>
public static class Evaluator
{
    public static EvalResult Run(TrainConfig cfg, Model? model, int episodes, float epsilon, int seed, Device? device = null)
    {
        var dev = model?.Device ?? device ?? throw new ArgumentNullException(nameof(device));
        using var env = EnvFactory.Create(cfg.Env, dev, episodes, seed);
        var acting = model?.CreateActivations(episodes, withGrads: false);
        var actions = dev.Zeros<int>(episodes);
        var uniform = model is null ? dev.Zeros<float>(episodes, env.NumActions) : null;
        var firstEpisode = new EpisodeStats?[episodes];
        var rewards = new float[episodes];
        var running = new double[episodes];
        int done = 0;
        env.Reset(seed);
        for (ulong t = 0; done < episodes && t < (ulong)cfg.EvalMaxEpisodeSteps; t++)
        {
            var q = model is null ? uniform! : model.Forward(env.Observations, acting!);
            EpsilonGreedy.Select(q, model is null ? 1f : epsilon, (ulong)seed, t, actions);
            env.Step(actions).Rewards.Download(rewards);
            for (int i = 0; i < episodes; i++) running[i] += rewards[i];
            foreach (var ep in env.DrainFinishedEpisodes())
                if (firstEpisode[ep.Env] is null)
                {
                    firstEpisode[ep.Env] = ep;
                    done++;
                }
        }
        for (int i = 0; i < episodes; i++)
            firstEpisode[i] ??= new EpisodeStats(i, (float)running[i], cfg.EvalMaxEpisodeSteps);
        return EvalResult.From(firstEpisode.Select(e => e!.Value).ToList());
    }
}
