namespace GpuDqn.Kernels;

/// <summary>One CartPole environment's state: the observation (float32) and the steps taken in this episode.</summary>
public struct CartPoleState
{
    public float X, XDot, Theta, ThetaDot;
    public int Steps;
}

/// <summary>
/// Gymnasium CartPole-v1 dynamics (shared/specs/cartpole.md) in float32: the one step function
/// that the host loop and the ILGPU kernel both call. No allocations, no exceptions.
/// </summary>
public static class CartPolePhysics
{
    public const float Gravity = 9.8f, MassCart = 1.0f, MassPole = 0.1f, TotalMass = MassPole + MassCart;
    public const float Length = 0.5f, PoleMassLength = MassPole * Length, ForceMag = 10.0f, Tau = 0.02f;
    /// <summary>12 degrees in radians (12·2π/360 computed in float64, rounded once).</summary>
    public const float ThetaThreshold = (float)(12 * 2 * Math.PI / 360);
    public const float XThreshold = 2.4f;
    public const int MaxEpisodeSteps = 500;
    public const int ObsDim = 4, NumActions = 2;
    /// <summary>Stream tag of the reset draws: stream = env | tag, counter = 4·episode + component.</summary>
    public const ulong StreamTag = 0xCA27UL << 40;

    /// <summary>
    /// Advances one step with explicit Euler (position with the old velocity first). Action 0
    /// pushes left, any other value right. Increments Steps. Returns true when the new state is
    /// out of bounds (terminated); truncation (Steps ≥ 500 without termination) is the caller's.
    /// </summary>
    public static bool Step(ref CartPoleState s, int action)
    {
        float force = action == 0 ? -ForceMag : ForceMag;
        SinCos(s.Theta, out float sintheta, out float costheta);
        float temp = (force + PoleMassLength * s.ThetaDot * s.ThetaDot * sintheta) / TotalMass;
        float thetaacc = (Gravity * sintheta - costheta * temp)
            / (Length * (4.0f / 3.0f - MassPole * costheta * costheta / TotalMass));
        float xacc = temp - PoleMassLength * thetaacc * costheta / TotalMass;
        s.X = s.X + Tau * s.XDot;
        s.XDot = s.XDot + Tau * xacc;
        s.Theta = s.Theta + Tau * s.ThetaDot;
        s.ThetaDot = s.ThetaDot + Tau * thetaacc;
        s.Steps++;
        return s.X < -XThreshold || s.X > XThreshold || s.Theta < -ThetaThreshold || s.Theta > ThetaThreshold;
    }

    /// <summary>
    /// sin and cos in float32, the same on every backend for |x| ≤ π/4 (every CartPole angle
    /// stays below 0.3 rad): Taylor polynomials to x¹¹/x¹⁰ (truncation &lt; 2e-9), evaluated with
    /// plain multiplies and adds. CUDA's MathF.Sin/Cos map to sin.approx/cos.approx (abs error up to
    /// 5e-7, i.e. ~1e-5 relative at small angles); outside π/4 those are used.
    /// </summary>
    public static void SinCos(float x, out float sin, out float cos)
    {
        if (x > -0.7853982f && x < 0.7853982f)
        {
            float x2 = x * x;
            sin = x + x * x2 * (-1f / 6f + x2 * (1f / 120f + x2 * (-1f / 5040f + x2 * (1f / 362880f + x2 * (-1f / 39916800f)))));
            cos = 1f + x2 * (-0.5f + x2 * (1f / 24f + x2 * (-1f / 720f + x2 * (1f / 40320f + x2 * (-1f / 3628800f)))));
        }
        else
        {
            sin = MathF.Sin(x);
            cos = MathF.Cos(x);
        }
    }

    /// <summary>The start state of env's episode-th episode: each component Uniform(-0.05, 0.05) from CounterRng.</summary>
    public static CartPoleState Reset(ulong seed, int env, int episode)
    {
        ulong stream = (ulong)(uint)env | StreamTag, c = 4UL * (uint)episode;
        CartPoleState s;
        s.X = -0.05f + 0.1f * CounterRng.Uniform(seed, stream, c);
        s.XDot = -0.05f + 0.1f * CounterRng.Uniform(seed, stream, c + 1);
        s.Theta = -0.05f + 0.1f * CounterRng.Uniform(seed, stream, c + 2);
        s.ThetaDot = -0.05f + 0.1f * CounterRng.Uniform(seed, stream, c + 3);
        s.Steps = 0;
        return s;
    }
}
