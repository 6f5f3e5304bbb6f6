namespace GpuDqn.Kernels;

/// <summary>
/// A value that moves linearly from <c>start</c> to <c>end</c> over the first
/// <c>fraction · totalSteps</c> steps and stays at <c>end</c> afterwards (the usual DQN
/// epsilon schedule): Value(t) = start + (end - start) · min(1, t / (fraction · totalSteps)).
/// A zero-length schedule (fraction or totalSteps 0) is <c>end</c> from step 0.
/// </summary>
public sealed class LinearSchedule
{
    public float Start { get; }
    public float End { get; }
    public float Fraction { get; }
    public long TotalSteps { get; }
    /// <summary>Steps over which the value moves: fraction · totalSteps.</summary>
    public double Duration { get; }

    public LinearSchedule(float start, float end, float fraction, long totalSteps)
    {
        if (!float.IsFinite(start)) throw new ArgumentOutOfRangeException(nameof(start), start, "start must be finite");
        if (!float.IsFinite(end)) throw new ArgumentOutOfRangeException(nameof(end), end, "end must be finite");
        if (!(fraction >= 0f && fraction <= 1f)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "fraction must be in [0, 1]");
        if (totalSteps < 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "totalSteps must be >= 0");
        Start = start;
        End = end;
        Fraction = fraction;
        TotalSteps = totalSteps;
        Duration = (double)fraction * totalSteps;
    }

    public float Value(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be >= 0");
        if (Duration <= 0 || step >= Duration) return End;
        return (float)(Start + (End - (double)Start) * (step / Duration));
    }
}
