using System.Text.Json;
using System.Text.Json.Nodes;
using GpuDqn.Checkpoints;
using GpuDqn.Engine;
using GpuDqn.Nn;

namespace GpuDqn.Training;

/// <summary>
/// A checkpoint is three files, each written atomically:
/// <list type="bullet">
/// <item><c>NAME.safetensors</c>: the online network's weights under torch.nn.Sequential names
/// ("0.weight", ...), loadable by PyTorch as they are;</item>
/// <item><c>NAME.optim.safetensors</c>: optimizer state vectors and the target network;</item>
/// <item><c>NAME.json</c>: the sidecar, written last: format, step, ε, updates, optimizer kind
/// and step count, and the full config (so eval rebuilds the same network).</item>
/// </list>
/// </summary>
public static class Checkpoint
{
    public const string Format = "gpudqn-checkpoint-1";

    public static string SidecarPath(string weightsPath) => Path.ChangeExtension(weightsPath, ".json");
    public static string OptimizerPath(string weightsPath) => Path.ChangeExtension(weightsPath, ".optim.safetensors");

    public static void Save(string path, TrainConfig cfg, DqnLearner learner, long step, float epsilon)
    {
        var net = learner.Online.Net;
        SafeTensors.Save(OptimizerPath(path), [
            .. learner.Optimizer.State.Select(kv => new NamedTensor(kv.Key, [(int)kv.Value.Length], kv.Value.ToArray())),
            .. learner.Target is null ? [] : new[] { new NamedTensor("target", [(int)net.ParameterCount], learner.Target.Parameters.ToArray()) },
        ]);
        SafeTensors.Save(path, Named(net, learner.Online.Parameters.ToArray()), new Dictionary<string, string> { ["format"] = Format, ["env"] = cfg.Env });
        var sidecar = new JsonObject
        {
            ["format"] = Format,
            ["step"] = step,
            ["epsilon"] = epsilon,
            ["updates"] = learner.Updates,
            ["optimizer"] = new JsonObject { ["kind"] = learner.Optimizer.Kind.ToString().ToLowerInvariant(), ["steps"] = learner.Optimizer.Steps },
            ["input_shape"] = new JsonArray(net.InputShape.Select(d => (JsonNode)d).ToArray()),
            ["num_actions"] = net.OutputShape[0],
            ["config"] = JsonNode.Parse(cfg.ToJson()),
        };
        AtomicFile.WriteAllText(SidecarPath(path), sidecar.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    public static List<NamedTensor> Named(Sequential net, float[] flat) =>
        net.NamedParameters().Select(p => new NamedTensor(p.Name, p.Shape, flat.AsSpan((int)p.Offset, (int)Shape.Count(p.Shape)).ToArray())).ToList();

    /// <summary>A loaded checkpoint: its config and the online network's flat parameters.</summary>
    public sealed record Loaded(TrainConfig Config, long Step, float Epsilon, float[] Parameters);

    /// <summary>Reads a checkpoint's sidecar and weights; anything missing, truncated or foreign is a <see cref="CheckpointException"/>.</summary>
    public static Loaded Load(string path, Func<TrainConfig, Sequential> buildNet)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint '{path}' does not exist");
        string sidecarPath = SidecarPath(path);
        if (!File.Exists(sidecarPath)) throw new CheckpointException($"checkpoint sidecar '{sidecarPath}' does not exist");
        JsonObject side;
        TrainConfig cfg;
        long step;
        float epsilon;
        try
        {
            side = JsonNode.Parse(File.ReadAllText(sidecarPath))!.AsObject();
            if (side["format"]?.GetValue<string>() != Format)
                throw new CheckpointException($"'{sidecarPath}' is not a GpuDqn checkpoint sidecar (format {side["format"]?.ToJsonString() ?? "missing"})");
            cfg = side["config"].Deserialize<TrainConfig>(TrainConfig.Json) ?? throw new CheckpointException($"'{sidecarPath}' has no config");
            step = Field(side, "step", 0L, "a non-negative integer", sidecarPath);
            epsilon = Field(side, "epsilon", 0f, "a number in [0, 1]", sidecarPath);
            if (step < 0) throw new CheckpointException($"'{sidecarPath}': \"step\" must be a non-negative integer, got {step}");
            if (epsilon is not (>= 0 and <= 1)) throw new CheckpointException($"'{sidecarPath}': \"epsilon\" must be a number in [0, 1], got {epsilon}");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException)
        {
            throw new CheckpointException($"'{sidecarPath}' is not a valid checkpoint sidecar: {e.Message}");
        }
        var net = BuildValidated(cfg, buildNet, sidecarPath);
        var (tensors, metadata) = SafeTensors.Load(path);
        // Two games can share a network shape: the weights name their game too, and a sidecar copied
        // in from another run must not pass them off as its own.
        if (metadata.TryGetValue("env", out var weightsEnv) && weightsEnv != cfg.Env)
            throw new CheckpointException($"'{path}' holds weights trained on {weightsEnv}, but its sidecar '{sidecarPath}' says {cfg.Env}");
        var byName = tensors.ToDictionary(t => t.Name);
        var matched = new List<(NamedTensor Tensor, long Offset)>();
        foreach (var (name, offset, shape) in net.NamedParameters())
        {
            if (!byName.Remove(name, out var t))
                throw new CheckpointException($"'{path}' has no tensor '{name}' that the {cfg.Env} network needs");
            if (!t.Shape.AsSpan().SequenceEqual(shape))
                throw new CheckpointException($"'{path}': tensor '{name}' has shape {Shape.Format(t.Shape)}, the network needs {Shape.Format(shape)}");
            matched.Add((t, offset));
        }
        if (byName.Count > 0)
            throw new CheckpointException($"'{path}' has tensors the network does not: {string.Join(", ", byName.Keys)}");
        // Allocated only once the file's tensors match: a config with absurd hidden sizes
        // (say [1000000000]) then fails on a shape above, not with an OverflowException here.
        var flat = new float[net.ParameterCount];
        foreach (var (t, offset) in matched) t.Data.CopyTo(flat, offset);
        return new Loaded(cfg, step, epsilon, flat);
    }

    /// <summary>The network of a sidecar's config, once the config passes <see cref="TrainConfig.Validate"/>; a
    /// hand-edited or foreign config (null settings, gamma 5, an unknown env) is a CheckpointException, not a
    /// crash inside the network builder or a network built from nonsense.</summary>
    private static Sequential BuildValidated(TrainConfig cfg, Func<TrainConfig, Sequential> buildNet, string sidecarPath)
    {
        try
        {
            return buildNet(cfg.Validate());
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"'{sidecarPath}' has an invalid config: {e.Message}");
        }
    }

    /// <summary>A sidecar field of type <typeparamref name="T"/>, or <paramref name="missing"/> when absent;
    /// a value of another type names the field (GetValue alone would throw an unexplained InvalidOperationException).</summary>
    private static T Field<T>(JsonObject side, string name, T missing, string expected, string sidecarPath)
    {
        var node = side[name];
        if (node is null) return missing;
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new CheckpointException($"'{sidecarPath}': \"{name}\" must be {expected}, got {node.ToJsonString()}");
        }
    }
}
