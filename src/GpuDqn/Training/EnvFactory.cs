using GpuDqn.Engine;
using GpuDqn.Envs;
using GpuDqn.Nn;

namespace GpuDqn.Training;

/// <summary>Environment ids → vector environments, and the network each one gets by default.</summary>
public static class EnvFactory
{
    /// <summary>Every built-in environment id.</summary>
    public static readonly string[] Ids =
    [
        "CartPole-v1",
        "minatar-breakout", "minatar-freeway", "minatar-asterix", "minatar-space_invaders", "minatar-seaquest",
        "pixels-breakout", "pixels-freeway", "pixels-asterix", "pixels-space_invaders", "pixels-seaquest",
    ];

    /// <summary>User environments registered by id (see README "Embedding").</summary>
    private static readonly Dictionary<string, Func<int, IEnvironment>> Registered = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="id"/> trainable by id: the factory builds the environment for each index.</summary>
    public static void Register(string id, Func<int, IEnvironment> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(factory);
        // Create looks up registered ids first, so registering a built-in id would silently replace it.
        if (Ids.Contains(id))
            throw new ArgumentException($"'{id}' is a built-in environment id; register your environment under another id", nameof(id));
        lock (Registered) Registered[id] = factory;
    }

    public static IVectorEnv Create(string id, Device device, int numEnvs, int seed)
    {
        Func<int, IEnvironment>? user;
        lock (Registered) Registered.TryGetValue(id, out user);
        if (user is not null) return new HostVectorEnv(device, user, numEnvs);
        if (id == "CartPole-v1") return new CartPoleEnv(device, numEnvs);
        if (id.StartsWith("minatar-", StringComparison.Ordinal) && Ids.Contains(id)) return new MinAtarEnv(id, device, numEnvs);
        if (id.StartsWith("pixels-", StringComparison.Ordinal) && Ids.Contains(id)) return new PixelsEnv(id, device, numEnvs, seed);
        string registered;
        lock (Registered) registered = string.Join(", ", Registered.Keys);
        throw new ArgumentException($"unknown environment '{id}'; known: {string.Join(", ", Ids)}{(registered.Length > 0 ? ", " + registered : "")}");
    }

    /// <summary>The Q-network for an observation shape: config.network, or by shape when "auto".</summary>
    public static Sequential Network(TrainConfig cfg, int[] observationShape, int actions) => cfg.Network switch
    {
        "mlp" => Networks.Mlp(observationShape, actions, cfg.Hidden),
        "minatar" => observationShape is [_, 10, 10] ? Networks.MinAtar(observationShape[0], actions) : throw WrongShape(cfg, observationShape, "[C, 10, 10]"),
        "nature" => observationShape is [_, 84, 84] ? Networks.Nature(actions, observationShape[0]) : throw WrongShape(cfg, observationShape, "[C, 84, 84]"),
        "auto" => observationShape switch
        {
            [_] => Networks.Mlp(observationShape[0], actions, cfg.Hidden),
            [var c, 10, 10] => Networks.MinAtar(c, actions),
            [var c, 84, 84] => Networks.Nature(actions, c),
            _ => throw new ArgumentException($"no default network for observations of shape {Shape.Format(observationShape)}; set network to mlp"),
        },
        _ => throw new ArgumentException($"unknown network '{cfg.Network}'; expected auto, mlp, minatar or nature"),
    };

    private static ArgumentException WrongShape(TrainConfig cfg, int[] observationShape, string needs) =>
        new($"network '{cfg.Network}' takes observations of shape {needs}; {cfg.Env} gives {Shape.Format(observationShape)} (network auto picks one that fits)");

    /// <summary>The network a config trains, found by opening one environment for its shapes.</summary>
    public static Sequential NetworkFor(TrainConfig cfg)
    {
        using var env = Create(cfg.Env, new HostDevice(), 1, cfg.Seed);
        return Network(cfg, env.ObservationShape, env.NumActions);
    }
}
