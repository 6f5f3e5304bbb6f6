using System.Diagnostics;
using GpuDqn.Engine;
using GpuDqn.Envs;
using GpuDqn.Kernels;
using GpuDqn.Nn;

namespace GpuDqn.Training;

/// <summary>What a finished run reports.</summary>
public sealed record TrainResult(string RunDirectory, long Steps, double WallSeconds, double StepsPerSecond,
    EvalResult? FinalEval, IReadOnlyList<(long Step, EvalResult Eval)> Evals);

/// <summary>
/// The DQN run loop. Per vector step: act ε-greedily on the device, step all environments,
/// store the transitions (<see cref="IReplay"/>: frames once for pixel environments), and every train_frequency steps sample a batch and update. Only
/// logging crosses to the host (every log_every steps).
/// </summary>
public sealed class Trainer
{
    public TrainConfig Config { get; }
    public TextWriter Log { get; }

    public Trainer(TrainConfig config, TextWriter? log = null)
    {
        Config = config.Validate();
        Log = log ?? TextWriter.Null;
    }

    /// <summary>
    /// The run's greedy evaluation of <paramref name="model"/>: eval_episodes episodes at eval_epsilon,
    /// seeded apart from the training streams, so a reloaded checkpoint replays the same episodes.
    /// </summary>
    public static EvalResult Evaluate(TrainConfig cfg, Model model) =>
        Evaluator.Run(cfg, model, cfg.EvalEpisodes, cfg.EvalEpsilon, cfg.Seed + 1_000_003);

    public TrainResult Run(Device device)
    {
        var cfg = Config;
        using var env = EnvFactory.Create(cfg.Env, device, cfg.NumEnvs, cfg.Seed);
        var net = EnvFactory.Network(cfg, env.ObservationShape, env.NumActions);
        IReplay.CheckMemory(cfg, env, net, device);
        var learner = new DqnLearner(cfg, net, device);
        using var replay = IReplay.Create(cfg, env);
        var acting = learner.Online.CreateActivations(cfg.NumEnvs, withGrads: false);
        var actions = device.Zeros<int>(cfg.NumEnvs);
        var obs = device.Zeros<float>([cfg.NumEnvs, .. env.ObservationShape]);
        var epsilon = cfg.EpsilonSchedule();
        using var run = new RunLog(cfg);
        Log.WriteLine($"training {cfg.Algo.ToString().ToLowerInvariant()} on {cfg.Env} ({cfg.NumEnvs} envs) on {device.Id}: {device.Name}; network {net.ParameterCount:N0} parameters; run dir {run.Directory}");
        if (cfg.LearningStarts >= cfg.TotalSteps)
            Log.WriteLine($"note: learning_starts ({cfg.LearningStarts:N0}) is not below total_steps ({cfg.TotalSteps:N0}): the network will not be trained");

        var evals = new List<(long Step, EvalResult Eval)>();
        var recent = new Queue<float>();
        var clock = Stopwatch.StartNew();
        long step = 0, iteration = 0, nextLog = cfg.LogEvery, nextEval = cfg.EvalEvery > 0 ? cfg.EvalEvery : long.MaxValue;
        long nextTarget = cfg.TargetUpdateInterval, nextCheckpoint = cfg.CheckpointEvery > 0 ? cfg.CheckpointEvery : long.MaxValue;
        long trainEvery = Math.Max(1, cfg.TrainFrequency / cfg.NumEnvs);
        float loss = float.NaN, meanQ = float.NaN;
        // Reads the last update's loss and mean Q; a NaN or infinite one has already spread to every
        // weight, so the run stops before a checkpoint or an evaluation saves them.
        void ReadScalars()
        {
            if (learner.Updates == 0) return;
            var s = learner.Scalars.ToArray();
            (loss, meanQ) = (s[0], s[1]);
            if (!float.IsFinite(loss) || !float.IsFinite(meanQ))
                throw new TrainingDivergedException(
                    $"training diverged at step {step:N0} after {learner.Updates:N0} updates: loss {loss}, mean Q {meanQ}; " +
                    $"try a lower learning_rate (now {cfg.LearningRate}) or a larger optimizer_eps (now {cfg.OptimizerEps}). " +
                    $"Nothing was saved after it; {run.Directory} keeps what was saved before");
        }
        env.Reset(cfg.Seed);
        while (step < cfg.TotalSteps)
        {
            float eps = epsilon.Value(step);
            // Act: ε-greedy on the online network's Q(s, ·) for all environments.
            EpsilonGreedy.Select(learner.Online.Forward(env.Observations, acting), eps, (ulong)cfg.Seed, (ulong)iteration, actions);
            env.Observations.CopyTo(obs);
            var result = env.Step(actions);
            replay.Add(obs, actions, result);
            step += cfg.NumEnvs;
            iteration++;

            // Learn: every train_frequency steps once learning_starts steps are stored.
            if (step > cfg.LearningStarts && iteration % trainEvery == 0 && replay.CanSample)
                for (int g = 0; g < cfg.GradientSteps; g++)
                {
                    replay.Sample((ulong)cfg.Seed, (ulong)learner.Updates);
                    learner.Update(replay.Batch);
                }
            if (cfg.Tau >= 1f && step >= nextTarget)
            {
                learner.SyncTarget();
                nextTarget += cfg.TargetUpdateInterval;
            }

            if (step >= nextLog || step >= cfg.TotalSteps)
            {
                nextLog += cfg.LogEvery;
                ReadScalars();
                double sps = step / clock.Elapsed.TotalSeconds;
                foreach (var ep in env.DrainFinishedEpisodes())
                {
                    recent.Enqueue(ep.Return);
                    if (recent.Count > 20) recent.Dequeue();
                    run.Row(step, "train", ep.Return, ep.Length, loss, meanQ, eps, sps);
                }
                string mean = recent.Count > 0 ? $"{recent.Average():F1}" : "-";
                Log.WriteLine($"step {step,9:N0}  sps {sps,8:N0}  return(20) {mean,7}  eps {eps:F3}  loss {loss,9:G4}  q {meanQ,8:G4}  updates {learner.Updates:N0}");
                run.Flush();
            }
            if (step >= nextEval && step < cfg.TotalSteps)
            {
                nextEval += cfg.EvalEvery;
                ReadScalars();
                var ev = Evaluate(cfg, learner.Online);
                evals.Add((step, ev));
                run.Row(step, "eval", ev.MeanReturn, ev.MeanLength, loss, meanQ, cfg.EvalEpsilon, step / clock.Elapsed.TotalSeconds);
                Log.WriteLine($"eval at step {step:N0}: return {ev.MeanReturn:F1} ± {ev.StdReturn:F1} over {ev.Episodes} episodes");
                SaveIfBest(run, learner, step, eps, evals);
            }
            if (step >= nextCheckpoint)
            {
                nextCheckpoint += cfg.CheckpointEvery;
                ReadScalars();
                Checkpoint.Save(run.CheckpointPath, cfg, learner, step, eps);
            }
        }
        device.Synchronize();
        double wall = clock.Elapsed.TotalSeconds;
        ReadScalars();
        Checkpoint.Save(run.CheckpointPath, cfg, learner, step, epsilon.Value(step));
        var final = Evaluate(cfg, learner.Online);
        evals.Add((step, final));
        run.Row(step, "eval", final.MeanReturn, final.MeanLength, loss, meanQ, cfg.EvalEpsilon, step / wall);
        run.Flush();
        SaveIfBest(run, learner, step, epsilon.Value(step), evals);
        Log.WriteLine($"final eval: return {final.MeanReturn:F1} ± {final.StdReturn:F1} over {final.Episodes} episodes; {step:N0} steps in {wall:F1} s ({step / wall:N0} steps/s)");
        var best = evals.First(e => e.Eval.MeanReturn == evals.Max(x => x.Eval.MeanReturn));
        Log.WriteLine($"best eval: return {best.Eval.MeanReturn:F1} at step {best.Step:N0}, saved as {run.BestCheckpointPath}");
        Log.WriteLine($"run saved to {run.Directory}");
        return new TrainResult(run.Directory, step, wall, step / wall, final, evals);
    }

    // DQN's greedy return can dip late in a run; like SB3's EvalCallback, keep the best-evaluated
    // weights too. Called right after `latest` joined `evals`: the best so far is derived from them.
    private void SaveIfBest(RunLog run, DqnLearner learner, long step, float eps, List<(long Step, EvalResult Eval)> evals)
    {
        var latest = evals[^1].Eval;
        if (evals.Take(evals.Count - 1).Any(e => e.Eval.MeanReturn >= latest.MeanReturn)) return;
        Checkpoint.Save(run.BestCheckpointPath, Config, learner, step, eps);
    }
}

/// <summary>The loss or the Q-values became NaN or infinite (a learning rate too high, an epsilon too
/// small): the run stopped before saving the broken weights.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
