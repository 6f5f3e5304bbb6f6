using GpuDqn.Engine;

namespace GpuDqn.Kernels;

/// <summary>Where the bootstrap value of s' comes from (see <see cref="TdLoss"/>).</summary>
public enum TdVariant
{
    /// <summary>V-DQN: y = R + disc · max_a Q_online(s', a) (pass the online net's Q(s') as qNext).</summary>
    Vanilla,
    /// <summary>T-DQN: y = R + disc · max_a Q_target(s', a) (pass the target net's Q(s') as qNext).</summary>
    Target,
    /// <summary>D-DQN: y = R + disc · Q_target(s', argmax_a Q_online(s', a)).</summary>
    Double,
}

/// <summary>The per-sample loss of the TD error.</summary>
public enum TdLossKind
{
    /// <summary>PyTorch smooth_l1_loss with beta = 1: 0.5·x² if |x| &lt; 1 else |x| - 0.5; gradient clamp(x, -1, 1).</summary>
    Huber,
    /// <summary>PyTorch mse_loss: x²; gradient 2x.</summary>
    Mse,
}

/// <summary>
/// The fused, batched TD loss of DQN in one kernel launch (one group of 256 threads).
/// For sample b with taken action a_b:
/// <code>
///   next_b = max_a qNext[b, a]                                  (Vanilla, Target)
///   next_b = qNext[b, argmax_a qNextOnline[b, a]]               (Double; ties: lowest index)
///   y_b    = returns[b] + discounts[b] · next_b                 (next_b is skipped when discounts[b] == 0)
///   x_b    = q[b, a_b] - y_b
///   tdError[b] = y_b - q[b, a_b]
///   loss[0]    = (1/B) Σ_b ℓ(x_b)                                (ℓ: Huber or Mse)
///   dq[b, a]   = ℓ'(x_b) / B if a == a_b, else 0                (targets are constants: semi-gradient)
///   meanQ[0]   = (1/B) Σ_b q[b, a_b]
/// </code>
/// discounts[b] is the replay's bootstrap factor γ^k·(1 - terminated). Sums are
/// deterministic: thread t of 256 adds samples t, t+256, ... in order, then thread 0 adds the
/// 256 partials in index order (the host does exactly the same).
/// Actions must lie in [0, A). On the host one outside is an ArgumentOutOfRangeException; on a
/// device, where reading them back would cost a copy per update, its sample reads no memory out of
/// range and gets a NaN loss, TD error and gradient instead (a trainer reports it as divergence).
/// </summary>
public static class TdLoss
{
    public const int GroupSize = 256;

    public static void Run(TdVariant variant, TdLossKind loss,
        Tensor<float> q, Tensor<float> qNext, Tensor<float>? qNextOnline,
        Tensor<int> actions, Tensor<float> returns, Tensor<float> discounts,
        Tensor<float> tdError, Tensor<float> lossOut, Tensor<float> dq, Tensor<float> meanQ)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(qNext);
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(returns);
        ArgumentNullException.ThrowIfNull(discounts);
        ArgumentNullException.ThrowIfNull(tdError);
        ArgumentNullException.ThrowIfNull(lossOut);
        ArgumentNullException.ThrowIfNull(dq);
        ArgumentNullException.ThrowIfNull(meanQ);
        if (!Enum.IsDefined(variant)) throw new ArgumentOutOfRangeException(nameof(variant), variant, "unknown TD variant");
        if (!Enum.IsDefined(loss)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "unknown TD loss");
        Check.Rank(q, nameof(q), 2);
        int b = q.Shape[0], a = q.Shape[1];
        if (b < 1) throw new ArgumentException($"q has an empty batch: shape {Shape.Format(q.Shape)}", nameof(q));
        if (a < 1) throw new ArgumentException($"q has no actions: shape {Shape.Format(q.Shape)}", nameof(q));
        Check.Shape(qNext, nameof(qNext), b, a);
        if (variant == TdVariant.Double)
        {
            if (qNextOnline is null) throw new ArgumentNullException(nameof(qNextOnline), "the Double variant needs the online net's Q(s') to choose the action");
            Check.Shape(qNextOnline, nameof(qNextOnline), b, a);
        }
        else if (qNextOnline is not null)
            throw new ArgumentException($"qNextOnline is only used by the Double variant, not {variant}", nameof(qNextOnline));
        Check.Shape(actions, nameof(actions), b);
        Check.Shape(returns, nameof(returns), b);
        Check.Shape(discounts, nameof(discounts), b);
        Check.Shape(tdError, nameof(tdError), b);
        Check.Shape(dq, nameof(dq), b, a);
        if (lossOut.Length != 1) throw new ArgumentException($"lossOut must hold one element, got shape {Shape.Format(lossOut.Shape)}", nameof(lossOut));
        if (meanQ.Length != 1) throw new ArgumentException($"meanQ must hold one element, got shape {Shape.Format(meanQ.Shape)}", nameof(meanQ));
        Check.SameDevice(q.Device, qNext, qNextOnline!, actions, returns, discounts, tdError, lossOut, dq, meanQ);

        if (q.Device is HostDevice)
        {
            var acts = actions.Span;
            for (int i = 0; i < acts.Length; i++)
                if ((uint)acts[i] >= (uint)a)
                    throw new ArgumentOutOfRangeException(nameof(actions), acts[i], $"actions[{i}] = {acts[i]} is outside [0, {a}): q has {a} actions");
        }
        var p = new TdArgs(b, a, (int)variant, (int)loss);
        var online = qNextOnline ?? qNext;
        if (q.Device is IlgpuDevice g)
            TdLossKernel.Run(g, q.View, qNext.View, online.View, actions.View, returns.View, discounts.View,
                tdError.View, dq.View, lossOut.View, meanQ.View, p);
        else
            TdLossHost.Run(Mem.Host(q), Mem.Host(qNext), Mem.Host(online), Mem.Host(actions), Mem.Host(returns),
                Mem.Host(discounts), Mem.Host(tdError), Mem.Host(dq), Mem.Host(lossOut), Mem.Host(meanQ), p);
    }
}

internal readonly struct TdArgs(int batch, int actions, int variant, int loss)
{
    public readonly int B = batch, A = actions, Variant = variant, Loss = loss;
}

/// <summary>The per-sample TD computation, shared by the kernel and the host loop.</summary>
internal static class TdLossCore
{
    public static void Sample<TF, TI>(TF q, TF qNext, TF qOnline, TI actions, TF returns, TF discounts,
        TF tdError, TF dq, int b, TdArgs p, out float loss, out float qsa)
        where TF : struct, IMem<float> where TI : struct, IMem<int>
    {
        int row = b * p.A;
        int act = actions.Get(b);
        // An action outside [0, A) (checked on the host before the launch) would read another sample's
        // Q or past the buffer: read action 0 instead and poison the sample with NaN.
        bool valid = (uint)act < (uint)p.A;
        if (!valid) act = 0;
        qsa = valid ? q.Get(row + act) : float.NaN;
        float d = discounts.Get(b);
        float y = returns.Get(b);
        if (d != 0f)
        {
            float next;
            if (p.Variant == (int)TdVariant.Double)
                next = qNext.Get(row + ArgmaxCore.Row(qOnline, row, p.A, out _));
            else
                ArgmaxCore.Row(qNext, row, p.A, out next);
            y += d * next;
        }
        float x = qsa - y;
        tdError.Set(b, y - qsa);
        float grad;
        if (p.Loss == (int)TdLossKind.Huber)
        {
            float ax = x < 0f ? -x : x;
            if (ax < 1f)
            {
                loss = 0.5f * x * x;
                grad = x;
            }
            else
            {
                loss = ax - 0.5f;
                grad = x < 0f ? -1f : 1f;
            }
        }
        else
        {
            loss = x * x;
            grad = 2f * x;
        }
        float g = valid ? grad / p.B : float.NaN;   // Huber's clamp would turn the NaN error into a finite slope
        for (int j = 0; j < p.A; j++) dq.Set(row + j, j == act || !valid ? g : 0f);
    }
}
