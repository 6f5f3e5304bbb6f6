using System.Globalization;

namespace GpuDqn.Training;

/// <summary>
/// A run directory: config.json (the full resolved config), metrics.csv (one row per
/// finished episode, plus evaluation rows), and checkpoints. Created fresh for each run: an
/// existing directory that holds anything is refused.
/// </summary>
public sealed class RunLog : IDisposable
{
    public string Directory { get; }
    private readonly StreamWriter metrics;

    public const string MetricsHeader = "step,kind,episode_return,episode_length,loss,mean_q,epsilon,sps";

    public RunLog(TrainConfig config)
    {
        Directory = config.RunDir ?? Path.Combine(config.RunRoot,
            $"{config.Env}__{config.Algo.ToString().ToLowerInvariant()}__{config.Seed}__{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}");
        // Another run's files would be overwritten one by one and mixed with this run's (its metrics
        // truncated at once, its best checkpoint replaced at the end): refuse, as nothing is written yet.
        if (System.IO.Directory.Exists(Directory) && System.IO.Directory.EnumerateFileSystemEntries(Directory).Any())
            throw new ArgumentException($"run directory '{Directory}' already exists and is not empty; give a new run_dir (--run-dir) or remove it");
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create the run directory '{Directory}': {e.Message}", e);
        }
        Checkpoints.AtomicFile.WriteAllText(Path.Combine(Directory, "config.json"), config.ToJson());
        metrics = new StreamWriter(Path.Combine(Directory, "metrics.csv"), append: false) { AutoFlush = false };
        metrics.WriteLine(MetricsHeader);
    }

    public string CheckpointPath => Path.Combine(Directory, "checkpoint.safetensors");
    /// <summary>The weights with the best evaluation so far.</summary>
    public string BestCheckpointPath => Path.Combine(Directory, "best.safetensors");

    /// <summary>kind is "train" for a training episode or "eval" for an evaluation mean.</summary>
    public void Row(long step, string kind, double episodeReturn, double episodeLength, double loss, double meanQ, double epsilon, double sps)
    {
        static string F(double v) => double.IsNaN(v) ? "" : v.ToString("G6", CultureInfo.InvariantCulture);
        metrics.WriteLine($"{step},{kind},{F(episodeReturn)},{F(episodeLength)},{F(loss)},{F(meanQ)},{F(epsilon)},{F(sps)}");
    }

    public void Flush() => metrics.Flush();

    public void Dispose() => metrics.Dispose();
}
