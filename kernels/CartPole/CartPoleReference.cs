namespace GpuDqn.Kernels;

/// <summary>
/// CartPole-v1 in float64, written independently of <see cref="CartPolePhysics"/> from the spec
/// (Gymnasium computes in float64): the oracle the float32 stepping is tested against.
/// </summary>
public sealed class CartPoleReference
{
    private const double Gravity = 9.8, MassCart = 1.0, MassPole = 0.1, TotalMass = MassPole + MassCart;
    private const double Length = 0.5, PoleMassLength = MassPole * Length, ForceMag = 10.0, Tau = 0.02;
    private const double ThetaThreshold = 12 * 2 * Math.PI / 360, XThreshold = 2.4;

    public double X, XDot, Theta, ThetaDot;
    public int Steps;

    public CartPoleReference(double x, double xDot, double theta, double thetaDot)
    {
        X = x; XDot = xDot; Theta = theta; ThetaDot = thetaDot;
    }

    /// <summary>One step; returns (terminated, truncated) like Gymnasium's TimeLimit(500) with the spec's rule.</summary>
    public (bool Terminated, bool Truncated) Step(int action)
    {
        double force = action == 1 ? ForceMag : -ForceMag;
        double c = Math.Cos(Theta), s = Math.Sin(Theta);
        double temp = (force + PoleMassLength * ThetaDot * ThetaDot * s) / TotalMass;
        double thetaAcc = (Gravity * s - c * temp) / (Length * (4.0 / 3.0 - MassPole * c * c / TotalMass));
        double xAcc = temp - PoleMassLength * thetaAcc * c / TotalMass;
        X += Tau * XDot;
        XDot += Tau * xAcc;
        Theta += Tau * ThetaDot;
        ThetaDot += Tau * thetaAcc;
        Steps++;
        bool terminated = X < -XThreshold || X > XThreshold || Theta < -ThetaThreshold || Theta > ThetaThreshold;
        return (terminated, !terminated && Steps >= 500);
    }
}
