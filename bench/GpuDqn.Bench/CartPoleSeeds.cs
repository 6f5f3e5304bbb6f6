using System.Globalization;
using GpuDqn.Engine;
using GpuDqn.Training;

namespace GpuDqn.Bench;

/// <summary>
/// V-DQN, T-DQN and D-DQN on CartPole-v1 with the default config for several seeds: steps
/// until the greedy evaluation (20 episodes, every 5,000 steps) first reaches a mean of 475,
/// the evaluation return at 100,000 steps, and wall time.
/// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- cartpole [device] [seeds]</c>.
/// </summary>
public static class CartPoleSeeds
{
    public static void Run(string deviceId, int seeds)
    {
        using var device = Device.Create(deviceId);
        Console.WriteLine($"CartPole-v1, 100,000 steps, eval every 5,000 steps over 20 episodes, on {device.Id}: {device.Name}");
        Console.WriteLine("| algo | seed | steps to eval >= 475 | eval return at 100k | best eval | wall s | steps/s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var algo in new[] { Algo.Vdqn, Algo.Tdqn, Algo.Ddqn })
            for (int seed = 1; seed <= seeds; seed++)
            {
                var cfg = new TrainConfig
                {
                    Algo = algo, Seed = seed, TotalSteps = 100_000, EvalEvery = 5_000, EvalEpisodes = 20, LogEvery = 10_000,
                    RunRoot = Path.Combine(Path.GetTempPath(), "gpudqn-bench-runs"),
                };
                var r = new Trainer(cfg).Run(device);
                var solved = r.Evals.FirstOrDefault(e => e.Eval.MeanReturn >= 475);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {algo.ToString().ToLowerInvariant()} | {seed} | {(solved.Eval is null ? "not reached" : solved.Step.ToString("N0"))} | {r.FinalEval!.MeanReturn:F1} | {r.Evals.Max(e => e.Eval.MeanReturn):F1} | {r.WallSeconds:F0} | {r.StepsPerSecond:F0} |"));
                Directory.Delete(r.RunDirectory, recursive: true);
            }
    }
}
