using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Optim;

/// <summary>
/// One optimiser step on a 3-element vector against values worked out by hand (the arithmetic is
/// in the comments; every number was checked in float64). The kernels run in float32, so the
/// comparison allows float32 rounding.
/// </summary>
public class OptimizerStepTests
{
    private static void Near(double[] want, float[] got, double tol, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(got[i] - want[i]) <= tol * Math.Max(1, Math.Abs(want[i])),
                $"{what}[{i}] = {got[i]:R}, expected {want[i]:R} (tolerance {tol:E1})");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Adam_second_step_matches_hand_computed_values(string device)
    {
        var d = TestDevices.Get(device);
        // State after a first step, then step t = 2 with lr 0.1, β1 0.9, β2 0.999, ε 1e-8.
        var p = d.FromArray([1.0f, -2.0f, 0.5f], 3);
        var g = d.FromArray([-0.05f, -0.2f, 0.1f], 3);
        var m = d.FromArray([0.01f, -0.02f, 0.03f], 3);
        var v = d.FromArray([1e-5f, 4e-5f, 9e-5f], 3);
        Adam.Step(p, g, m, v, new AdamConfig { LearningRate = 0.1f }, t: 2);

        // m = 0.9 m + 0.1 g:      0.009 - 0.005 = 0.004;  -0.018 - 0.02 = -0.038;  0.027 + 0.01 = 0.037
        Near([0.004, -0.038, 0.037], m.ToArray(), 1e-6, "m");
        // v = 0.999 v + 0.001 g²: 0.00000999 + 0.0000025 = 0.00001249;  0.00003996 + 0.00004 = 0.00007996;
        //                         0.00008991 + 0.00001 = 0.00009991
        Near([1.249e-5, 7.996e-5, 9.991e-5], v.ToArray(), 1e-6, "v");
        // bias corrections: 1 - 0.9² = 0.19, 1 - 0.999² = 0.001999
        // m̂ = m / 0.19 = 0.0210526316, -0.2, 0.1947368421
        // v̂ = v / 0.001999 = 0.0062481241, 0.0400000000, 0.0499799900;  √v̂ = 0.0790450761, 0.2, 0.2235620495
        // p -= 0.1 m̂ / (√v̂ + 1e-8):
        //   1.0  - 0.1 · 0.0210526316 / 0.0790450861 = 1.0  - 0.0266337006 =  0.9733662994
        //   -2.0 - 0.1 · (-0.2)       / 0.2000000100 = -2.0 + 0.0999999950 = -1.9000000050
        //   0.5  - 0.1 · 0.1947368421 / 0.2235620595 = 0.5  - 0.0871063912 =  0.4128936088
        Near([0.9733662994, -1.9000000050, 0.4128936088], p.ToArray(), 2e-6, "p");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Adam_first_step_from_zero_state_moves_each_parameter_by_lr(string device)
    {
        var d = TestDevices.Get(device);
        var p = d.FromArray([1.0f, -2.0f, 0.5f], 3);
        var g = d.FromArray([0.1f, -0.2f, 0.3f], 3);
        var m = d.Zeros<float>(3);
        var v = d.Zeros<float>(3);
        Adam.Step(p, g, m, v, new AdamConfig { LearningRate = 0.01f }, t: 1);
        // t = 1: m̂ = (0.1 g) / 0.1 = g and v̂ = (0.001 g²) / 0.001 = g², so p -= 0.01 · g / (|g| + 1e-8) ≈ 0.01 · sign(g).
        Near([0.1 * 0.1, 0.1 * -0.2, 0.1 * 0.3], m.ToArray(), 1e-6, "m");
        Near([0.001 * 0.01, 0.001 * 0.04, 0.001 * 0.09], v.ToArray(), 1e-6, "v");
        Near([1.0 - 0.01, -2.0 + 0.01, 0.5 - 0.01], p.ToArray(), 2e-6, "p");
    }

    // One RMSProp step from p = [1, -2, 0.5], g = [0.1, -0.2, 0.3], squareAvg = [0.02, 0.01, 0],
    // gradAvg = [0.01, -0.05, 0], α = 0.99, lr = 0.01. In every variant:
    //   sq = 0.99 sq + 0.01 g²: 0.0198 + 0.0001 = 0.0199;  0.0099 + 0.0004 = 0.0103;  0 + 0.0009 = 0.0009
    //   (centered) ga = 0.99 ga + 0.01 g: 0.0099 + 0.001 = 0.0109;  -0.0495 - 0.002 = -0.0515;  0 + 0.003 = 0.003
    //   (centered) avg = sq - ga²: 0.0199 - 0.00011881 = 0.01978119;  0.0103 - 0.00265225 = 0.00764775;
    //                             0.0009 - 0.000009 = 0.000891
    public static TheoryData<string, bool, bool> RmsVariants()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (var id in TestDevices.Ids)
            foreach (bool centered in new[] { false, true })
                foreach (bool inside in new[] { false, true })
                    data.Add(id, centered, inside);
        return data;
    }

    [Theory, MemberData(nameof(RmsVariants))]
    public void RmsProp_step_matches_hand_computed_values(string device, bool centered, bool epsInside)
    {
        var d = TestDevices.Get(device);
        var p = d.FromArray([1.0f, -2.0f, 0.5f], 3);
        var g = d.FromArray([0.1f, -0.2f, 0.3f], 3);
        var sq = d.FromArray([0.02f, 0.01f, 0f], 3);
        var ga = centered ? d.FromArray([0.01f, -0.05f, 0f], 3) : null;
        var cfg = new RmsPropConfig { LearningRate = 0.01f, Alpha = 0.99f, Epsilon = epsInside ? 0.01f : 1e-8f, Centered = centered, EpsInsideSqrt = epsInside };
        RmsProp.Step(p, g, sq, ga, cfg);

        Near([0.0199, 0.0103, 0.0009], sq.ToArray(), 1e-6, "squareAvg");
        if (ga is not null) Near([0.0109, -0.0515, 0.003], ga.ToArray(), 1e-6, "gradAvg");
        double[] want = (centered, epsInside) switch
        {
            // PyTorch: denom = √sq + 1e-8 = 0.1410673698, 0.1014889257, 0.0300000100
            //   p -= 0.01 g / denom: 1 - 0.0070888115 = 0.9929111885;  -2 + 0.0197065836 = -1.9802934164;
            //                        0.5 - 0.0999999667 = 0.4000000333
            (false, false) => [0.9929111885, -1.9802934164, 0.4000000333],
            // DeepMind form, not centered: denom = √(sq + 0.01) = √0.0299 = 0.1729161647, √0.0203 = 0.1424780685,
            //   √0.0109 = 0.1044030651;  p = 1 - 0.0057831493 = 0.9942168507;  -2 + 0.0140372481 = -1.9859627519;
            //   0.5 - 0.0287347886 = 0.4712652114
            (false, true) => [0.9942168507, -1.9859627519, 0.4712652114],
            // PyTorch centered: denom = √avg + 1e-8 = 0.1406456285, 0.0874514251, 0.0298496331
            //   p = 1 - 0.0071100681 = 0.9928899319;  -2 + 0.0228698389 = -1.9771301611;  0.5 - 0.1005037479 = 0.3994962521
            (true, false) => [0.9928899319, -1.9771301611, 0.3994962521],
            // DeepMind centered (DQN Nature): denom = √(avg + 0.01) = √0.02978119 = 0.1725722747,
            //   √0.01764775 = 0.1328448343, √0.010891 = 0.1043599540
            //   p = 1 - 0.0057946736 = 0.9942053264;  -2 + 0.0150551582 = -1.9849448418;  0.5 - 0.0287466589 = 0.4712533411
            (true, true) => [0.9942053264, -1.9849448418, 0.4712533411],
        };
        Near(want, p.ToArray(), 2e-6, "p");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Sgd_with_momentum_matches_hand_computed_values(string device)
    {
        var d = TestDevices.Get(device);
        var p = d.FromArray([1.0f, -2.0f, 0.5f], 3);
        var g = d.FromArray([0.1f, -0.2f, 0.3f], 3);
        var buf = d.FromArray([0.5f, 0.5f, -1.0f], 3);
        Sgd.Step(p, g, lr: 0.1f, buf, momentum: 0.9f);
        // buf = 0.9 buf + g = 0.45 + 0.1 = 0.55;  0.45 - 0.2 = 0.25;  -0.9 + 0.3 = -0.6
        Near([0.55, 0.25, -0.6], buf.ToArray(), 1e-6, "buf");
        // p -= 0.1 buf: 1 - 0.055 = 0.945;  -2 - 0.025 = -2.025;  0.5 + 0.06 = 0.56
        Near([0.945, -2.025, 0.56], p.ToArray(), 1e-6, "p");
    }

    [Fact]
    public void Bad_optimizer_arguments_are_named()
    {
        var d = TestDevices.Get("cpu");
        var a = d.Zeros<float>(3);
        var b = d.Zeros<float>(3);
        var c = d.Zeros<float>(3);
        var e = d.Zeros<float>(3);
        Assert.Equal("t", Assert.Throws<ArgumentOutOfRangeException>(() => Adam.Step(a, b, c, e, new AdamConfig(), 0)).ParamName);
        Assert.Contains("but m has 4", Assert.Throws<ArgumentException>(() => Adam.Step(a, b, d.Zeros<float>(4), e, new AdamConfig(), 1)).Message);
        Assert.Equal("Beta2", Assert.Throws<ArgumentOutOfRangeException>(() => Adam.Step(a, b, c, e, new AdamConfig { Beta2 = 1f }, 1)).ParamName);
        Assert.Equal("gradAvg", Assert.Throws<ArgumentNullException>(() => RmsProp.Step(a, b, c, null, new RmsPropConfig { Centered = true })).ParamName);
        Assert.Equal("gradAvg", Assert.Throws<ArgumentException>(() => RmsProp.Step(a, b, c, e, new RmsPropConfig())).ParamName);
        Assert.Equal("momentumBuffer", Assert.Throws<ArgumentNullException>(() => Sgd.Step(a, b, 0.1f, null, 0.9f)).ParamName);
        Assert.Equal("tau", Assert.Throws<ArgumentOutOfRangeException>(() => Params.Polyak(a, b, 1.5f)).ParamName);
    }
}
