using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>
/// Batched epsilon-greedy action selection for all environments in one launch:
/// for env i, u = CounterRng.Uniform(seed, stream_i, 2·step); if u &lt; epsilon the action is
/// CounterRng.Below(seed, stream_i, 2·step + 1, A) (uniform), else argmax_a Q[i, a]
/// (ties: lowest index). stream_i = i | <see cref="StreamTag"/>, so the draws never coincide
/// with other users of the same seed (replay sampling, environment resets).
/// </summary>
public static class EpsilonGreedy
{
    public const ulong StreamTag = 0xAC7UL << 40;

    /// <param name="q">Q values [N, A].</param>
    /// <param name="epsilon">Probability of a uniform random action, in [0, 1].</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="step">Global step (the counter of the random draws; use a new one every call).</param>
    /// <param name="actions">Output [N] int.</param>
    public static void Select(Tensor<float> q, float epsilon, ulong seed, ulong step, Tensor<int> actions)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(actions);
        Check.Rank(q, nameof(q), 2);
        int n = q.Shape[0], a = q.Shape[1];
        if (a < 1) throw new ArgumentException($"q has no actions: shape {Shape.Format(q.Shape)}", nameof(q));
        Check.Shape(actions, nameof(actions), n);
        Check.SameDevice(q.Device, actions);
        if (!(epsilon >= 0f && epsilon <= 1f)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be in [0, 1]");
        if (n == 0) return;
        if (q.Device is IlgpuDevice g) EpsilonGreedyKernel.Run(g, q.View, actions.View, n, a, epsilon, seed, step);
        else
        {
            var qm = Mem.Host(q);
            var am = Mem.Host(actions);
            HostParallel.For(n, 8192, (s, e) =>
            {
                for (int i = (int)s; i < e; i++) EpsilonGreedyCore.Env(qm, am, i, a, epsilon, seed, step);
            });
        }
    }
}

internal static class EpsilonGreedyCore
{
    public static void Env<TQ, TA>(TQ q, TA actions, int i, int a, float epsilon, ulong seed, ulong step)
        where TQ : struct, IMem<float> where TA : struct, IMem<int>
    {
        ulong stream = (ulong)(uint)i | EpsilonGreedy.StreamTag;
        int act;
        if (CounterRng.Uniform(seed, stream, 2 * step) < epsilon) act = CounterRng.Below(seed, stream, 2 * step + 1, a);
        else act = ArgmaxCore.Row(q, i * a, a, out _);
        actions.Set(i, act);
    }
}
