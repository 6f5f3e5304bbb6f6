using GpuDqn.Engine;

namespace GpuDqn.Envs;

/// <summary>
/// N user <see cref="IEnvironment"/>s stepped on the host (in parallel when N is large), with
/// auto-reset. Per step: one download of the actions, one upload of the packed observations,
/// next observations and rewards for all environments, and one of their done flags.
/// </summary>
public sealed class HostVectorEnv : IVectorEnv
{
    private readonly IEnvironment[] envs;
    private readonly int obsSize;
    private readonly float[] packed;          // [obs | next_obs | reward] for all envs
    private readonly Tensor<float> packedDevice;
    private readonly byte[] flags;            // [terminated | truncated]
    private readonly Tensor<byte> flagsDevice;
    private readonly int[] actions;
    private readonly float[] returns;
    private readonly int[] lengths;
    private readonly List<EpisodeStats> finished = [];
    private readonly EpisodeStats?[] finishedThisStep;
    private readonly StepTensors step;
    private int episodeSeed;

    public Device Device { get; }
    public int NumEnvs => envs.Length;
    public int[] ObservationShape { get; }
    public int NumActions { get; }
    public Tensor<float> Observations { get; }

    public HostVectorEnv(Device device, Func<int, IEnvironment> factory, int numEnvs)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(factory);
        if (numEnvs <= 0) throw new ArgumentOutOfRangeException(nameof(numEnvs), $"num_envs must be positive, got {numEnvs}");
        Device = device;
        envs = new IEnvironment[numEnvs];
        for (int i = 0; i < numEnvs; i++)
            envs[i] = factory(i) ?? throw new ArgumentException($"the environment factory returned null for environment {i}", nameof(factory));
        // Copied: the packed layout is sized from environment 0 once, so all must agree with it.
        ObservationShape = (int[])(envs[0].ObservationShape ?? throw new ArgumentException("environment 0 reports a null ObservationShape", nameof(factory))).Clone();
        NumActions = envs[0].NumActions;
        if (NumActions <= 0) throw new ArgumentException($"environment reports {NumActions} actions");
        for (int i = 1; i < numEnvs; i++)
        {
            int actionsI = envs[i].NumActions;
            if (actionsI != NumActions)
                throw new ArgumentException($"environment {i} reports {actionsI} actions but environment 0 reports {NumActions}; all environments must agree", nameof(factory));
            var shapeI = envs[i].ObservationShape;
            if (shapeI is null || !shapeI.AsSpan().SequenceEqual(ObservationShape))
                throw new ArgumentException($"environment {i} reports observation shape {(shapeI is null ? "null" : Shape.Format(shapeI))} but environment 0 reports {Shape.Format(ObservationShape)}; all environments must agree", nameof(factory));
        }
        obsSize = (int)Shape.Count(ObservationShape);
        int n = numEnvs;
        packed = new float[n * (2 * obsSize + 1)];
        packedDevice = device.Zeros<float>(packed.Length);
        flags = new byte[2 * n];
        flagsDevice = device.Zeros<byte>(flags.Length);
        Observations = packedDevice.Slice(0, [n, .. ObservationShape]);
        step = new StepTensors(
            packedDevice.Slice((long)n * obsSize, [n, .. ObservationShape]),
            packedDevice.Slice(2L * n * obsSize, n),
            flagsDevice.Slice(0, n),
            flagsDevice.Slice(n, n));
        actions = new int[n];
        returns = new float[n];
        lengths = new int[n];
        finishedThisStep = new EpisodeStats?[n];
    }

    public void Reset(int seed)
    {
        episodeSeed = seed;
        for (int i = 0; i < envs.Length; i++) SetObs(0, i, envs[i].Reset(seed + i), "Reset");
        Array.Clear(returns);
        Array.Clear(lengths);
        packedDevice.Upload(packed);
    }

    public StepTensors Step(Tensor<int> deviceActions)
    {
        if (deviceActions.Length != envs.Length)
            throw new ArgumentException($"got {deviceActions.Length} actions for {envs.Length} environments");
        deviceActions.Download(actions);
        int n = envs.Length;
        Kernels.HostParallel.For(n, 64, (start, end) =>
        {
            for (int i = (int)start; i < end; i++)
            {
                int a = actions[i];
                if ((uint)a >= (uint)NumActions)
                    throw new ArgumentOutOfRangeException(nameof(deviceActions), $"action {a} for env {i} is outside 0..{NumActions - 1}");
                var r = envs[i].Step(a);
                SetObs(1, i, r.Observation, "Step");
                // Refused here: a NaN reward would otherwise train on and surface much later as "training diverged".
                if (!float.IsFinite(r.Reward))
                    throw new ArgumentException($"environment {i} returned a reward of {Invariant(r.Reward)} from Step({a}); rewards must be finite");
                packed[2 * n * obsSize + i] = r.Reward;
                flags[i] = r.Terminated ? (byte)1 : (byte)0;
                flags[n + i] = r.Truncated ? (byte)1 : (byte)0;
                returns[i] += r.Reward;
                lengths[i]++;
                if (r.Terminated || r.Truncated)
                {
                    finishedThisStep[i] = new EpisodeStats(i, returns[i], lengths[i]);
                    returns[i] = 0;
                    lengths[i] = 0;
                    SetObs(0, i, envs[i].Reset(), "Reset");
                }
                else Array.Copy(packed, (long)n * obsSize + (long)i * obsSize, packed, (long)i * obsSize, obsSize); // checked above
            }
        });
        // Collected per env inside the parallel loop, appended in env order: deterministic.
        for (int i = 0; i < n; i++)
            if (finishedThisStep[i] is { } ep)
            {
                finished.Add(ep);
                finishedThisStep[i] = null;
            }
        packedDevice.Upload(packed);
        flagsDevice.Upload(flags);
        return step;
    }

    /// <summary>Checks what <paramref name="call"/> of environment <paramref name="env"/> returned and packs it.</summary>
    private void SetObs(int which, int env, float[]? obs, string call)
    {
        if (obs is null)
            throw new ArgumentException($"environment {env} returned a null observation from {call}");
        if (obs.Length != obsSize)
            throw new ArgumentException($"environment {env} returned an observation of {obs.Length} values from {call}, expected {obsSize} {Shape.Format(ObservationShape)}");
        // A user environment's NaN/infinity would otherwise train on and end as a misleading "training diverged".
        for (int k = 0; k < obs.Length; k++)
            if (!float.IsFinite(obs[k]))
                throw new ArgumentException($"environment {env} returned an observation with value {Invariant(obs[k])} at index {k} from {call}; observations must be finite");
        obs.CopyTo(packed, (long)which * envs.Length * obsSize + (long)env * obsSize);
    }

    // "NaN", "Infinity", "-Infinity" whatever the culture (some print infinity as "∞").
    private static string Invariant(float v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public IReadOnlyList<EpisodeStats> DrainFinishedEpisodes()
    {
        var list = finished.ToList();
        finished.Clear();
        return list;
    }

    public void Dispose() { }

    /// <summary>The seed of the last reset (for reporting).</summary>
    public int Seed => episodeSeed;
}
