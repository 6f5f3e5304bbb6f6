using System.CommandLine;
using System.Reflection;
using System.Text.Json;
using GpuDqn.Training;

namespace GpuDqn.Cli;

/// <summary>
/// One command-line flag per <see cref="TrainConfig"/> property (--total-steps, --batch-size, ...),
/// generated from the record so a new knob is a flag without further code. Flags given on the
/// command line override the preset and the --config file, which override the defaults.
/// </summary>
internal sealed class ConfigOptions
{
    private readonly List<(PropertyInfo Prop, Option Option)> options = [];
    public Option<string?> ConfigFile { get; } = new("--config") { Description = "JSON config file (keys as in a run's config.json)" };
    public Option<string?> Preset { get; } = new("--preset") { Description = "hyper-parameter preset: " + string.Join(", ", Presets.Names) };
    public Option<long?> Steps { get; } = new("--steps") { Description = "alias of --total-steps" };

    public ConfigOptions(Command cmd)
    {
        cmd.Options.Add(ConfigFile);
        cmd.Options.Add(Preset);
        cmd.Options.Add(Steps);
        foreach (var prop in typeof(TrainConfig).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!prop.CanWrite) continue;
            string flag = "--" + JsonNamingPolicy.KebabCaseLower.ConvertName(prop.Name);
            var type = prop.PropertyType;
            var optionType = typeof(Option<>).MakeGenericType(type);
            var option = (Option)Activator.CreateInstance(optionType, flag, Array.Empty<string>())!;
            option.Description = Describe(prop);
            if (type == typeof(int[])) option.AllowMultipleArgumentsPerToken = true;
            cmd.Options.Add(option);
            options.Add((prop, option));
        }
    }

    // ParseResult.GetValue<T>(Option<T>), to read an option whose T is only known by reflection.
    private static readonly MethodInfo GetValueOfOption = typeof(ParseResult).GetMethods()
        .Single(m => m.Name == nameof(ParseResult.GetValue) && m.IsGenericMethodDefinition
            && m.GetParameters()[0].ParameterType.IsGenericType
            && m.GetParameters()[0].ParameterType.GetGenericTypeDefinition() == typeof(Option<>));

    private static string Describe(PropertyInfo p) => p.PropertyType.IsEnum
        ? string.Join(" | ", Enum.GetNames(p.PropertyType).Select(n => n.ToLowerInvariant()))
        : p.PropertyType == typeof(bool) ? "true/false" : p.PropertyType.Name.ToLowerInvariant();

    /// <summary>defaults ← preset ← --config file ← flags; then validated.</summary>
    public TrainConfig Resolve(ParseResult parse)
    {
        var cfg = new TrainConfig();
        if (parse.GetValue(Preset) is { } preset)
        {
            try { cfg = Presets.Apply(preset, cfg); }
            catch (ArgumentException e) { throw new UserError(e.Message); }
        }
        if (parse.GetValue(ConfigFile) is { } file) cfg = Merge(cfg, file);
        var json = JsonSerializer.SerializeToNode(cfg, TrainConfig.Json)!.AsObject();
        foreach (var (prop, option) in options)
        {
            if (parse.GetResult(option) is null) continue;
            object? value = GetValueOfOption.MakeGenericMethod(prop.PropertyType).Invoke(parse, [option]);
            // JSON has no NaN or infinity, and no setting takes one: name the flag before serialising.
            if (value is float f && !float.IsFinite(f)) throw new UserError($"{option.Name} must be a finite number, got {f}");
            json[TrainConfig.Json.PropertyNamingPolicy!.ConvertName(prop.Name)] = JsonSerializer.SerializeToNode(value, prop.PropertyType, TrainConfig.Json);
        }
        if (parse.GetValue(Steps) is { } steps)
        {
            if (parse.GetResult(options.Single(o => o.Prop.Name == nameof(TrainConfig.TotalSteps)).Option) is not null)
                throw new UserError("--steps is an alias of --total-steps: give one of them, not both");
            json["total_steps"] = steps;
        }
        try
        {
            return json.Deserialize<TrainConfig>(TrainConfig.Json)!.Validate();
        }
        catch (ArgumentException e) { throw new UserError(e.Message); }
    }

    /// <summary>Keys present in the file replace those of <paramref name="baseConfig"/>; others stay.</summary>
    private static TrainConfig Merge(TrainConfig baseConfig, string file)
    {
        if (!File.Exists(file)) throw new UserError($"config file '{file}' does not exist");
        var json = JsonSerializer.SerializeToNode(baseConfig, TrainConfig.Json)!.AsObject();
        try
        {
            var over = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))?.AsObject()
                ?? throw new UserError($"config file '{file}' is empty");
            foreach (var (k, v) in over)
            {
                if (!json.ContainsKey(k)) throw new UserError($"config file '{file}': unknown key '{k}'");
                json[k] = v?.DeepClone();
            }
        }
        // ArgumentException: a key written twice ("An item with the same key has already been added").
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            throw new UserError($"config file '{file}': {e.Message}");
        }
        try
        {
            return json.Deserialize<TrainConfig>(TrainConfig.Json)!;
        }
        catch (JsonException e)
        {
            // The position in e.Message is in the merged document, not the user's file: name the key instead.
            string key = e.Path?.TrimStart('$', '.') ?? "?";
            string what = e.Message.Split(" Path:")[0];
            throw new UserError($"config file '{file}': the value of '{key}' has the wrong type ({what})");
        }
    }
}
