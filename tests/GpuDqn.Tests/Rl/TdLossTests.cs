using GpuDqn.Engine;
using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Rl;

public class TdLossTests
{
    private static (float[] td, float loss, float[] dq, float meanQ) Run(Device dev, TdVariant v, TdLossKind l, float[] q, float[] qn, float[]? qo,
        int[] act, float[] ret, float[] disc, int b, int a)
    {
        var td = dev.Zeros<float>(b);
        var loss = dev.Zeros<float>(1);
        var dq = dev.Zeros<float>(b, a);
        var mq = dev.Zeros<float>(1);
        TdLoss.Run(v, l, dev.FromArray(q, b, a), dev.FromArray(qn, b, a), qo is null ? null : dev.FromArray(qo, b, a),
            dev.FromArray(act, b), dev.FromArray(ret, b), dev.FromArray(disc, b), td, loss, dq, mq);
        return (td.ToArray(), loss.ToArray()[0], dq.ToArray(), mq.ToArray()[0]);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Matches_the_float64_reference_for_every_variant_and_loss(string device)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        foreach (var v in Enum.GetValues<TdVariant>())
            foreach (var l in Enum.GetValues<TdLossKind>())
                foreach (int n in new[] { 1, 3 })
                {
                    double err = TdLossCheck.Run(dev, seed, v, l, n, 70, 5);
                    Assert.True(err < 1e-5, $"{v} {l} n={n} on {device}: rel error {err:E2} (seed {seed})");
                }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    public void An_action_outside_the_q_columns_is_refused_on_the_host_and_poisons_only_its_sample_on_a_device(int bad)
    {
        const int b = 4, a = 2;
        var rng = new Random(5);
        var q = SelfTest.Reference.Uniform(rng, b * a);
        var qn = SelfTest.Reference.Uniform(rng, b * a);
        var ret = SelfTest.Reference.Uniform(rng, b);
        var disc = new[] { 0.99f, 0.99f, 0f, 0.99f };
        int[] act = [0, 1, bad, 1];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Run(TestDevices.Get("cpu"), TdVariant.Target, TdLossKind.Huber, q, qn, null, act, ret, disc, b, a));
        Assert.Equal("actions", e.ParamName);
        Assert.Contains($"actions[2] = {bad} is outside [0, 2)", e.Message);
        // On ILGPU's CPU accelerator a read past the row would kill the process (a failed assertion).
        var (td, loss, dq, meanQ) = Run(TestDevices.Get("ilgpu-cpu"), TdVariant.Target, TdLossKind.Huber, q, qn, null, act, ret, disc, b, a);
        Assert.True(float.IsNaN(loss) && float.IsNaN(meanQ) && float.IsNaN(td[2]));
        Assert.True(float.IsNaN(dq[2 * a]) && float.IsNaN(dq[2 * a + 1]));
        Assert.All(new[] { td[0], td[1], td[3], dq[0], dq[1], dq[6], dq[7] }, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Gradient_is_the_derivative_of_the_loss_and_targets_are_constants()
    {
        var dev = TestDevices.Get("cpu");
        var rng = new Random(3);
        const int b = 9, a = 3;
        var q = SelfTest.Reference.Uniform(rng, b * a, 3f);
        var qn = SelfTest.Reference.Uniform(rng, b * a, 3f);
        var act = Enumerable.Range(0, b).Select(i => i % a).ToArray();
        var ret = SelfTest.Reference.Uniform(rng, b);
        var disc = Enumerable.Range(0, b).Select(i => i % 4 == 0 ? 0f : 0.97f).ToArray();
        foreach (var l in Enum.GetValues<TdLossKind>())
        {
            var (_, _, dq, _) = Run(dev, TdVariant.Vanilla, l, q, qn, null, act, ret, disc, b, a);
            for (int i = 0; i < b * a; i++)
            {
                // Central difference of the mean loss in Q(s, ·); Q(s', ·) held fixed (semi-gradient).
                const float h = 1e-2f;
                var qp = (float[])q.Clone(); qp[i] += h;
                var qm = (float[])q.Clone(); qm[i] -= h;
                double fd = (Run(dev, TdVariant.Vanilla, l, qp, qn, null, act, ret, disc, b, a).loss
                           - Run(dev, TdVariant.Vanilla, l, qm, qn, null, act, ret, disc, b, a).loss) / (2.0 * h);
                Assert.True(Math.Abs(fd - dq[i]) < 2e-3, $"{l} dq[{i}] = {dq[i]}, finite difference {fd}");
            }
        }
    }

    [Fact]
    public void Double_uses_the_online_argmax_and_the_target_value()
    {
        var dev = TestDevices.Get("cpu");
        // One sample, R = 1, discount 0.5: the online net picks action 2, where the target net
        // says -4, while the target net's own max is 10.
        var q = new[] { 0f, 0f, 0f };
        var target = new[] { 10f, 0f, -4f };
        var online = new[] { 1f, 0f, 2f };
        var (tdD, _, _, _) = Run(dev, TdVariant.Double, TdLossKind.Mse, q, target, online, [0], [1f], [0.5f], 1, 3);
        var (tdT, _, _, _) = Run(dev, TdVariant.Target, TdLossKind.Mse, q, target, null, [0], [1f], [0.5f], 1, 3);
        Assert.Equal(1f + 0.5f * -4f, tdD[0]);
        Assert.Equal(1f + 0.5f * 10f, tdT[0]);
        var (tdTie, _, _, _) = Run(dev, TdVariant.Double, TdLossKind.Mse, q, target, [2f, 0f, 2f], [0], [1f], [0.5f], 1, 3);
        Assert.Equal(1f + 0.5f * 10f, tdTie[0]);   // tie in the online net: lowest index
    }

    [Fact]
    public void Host_and_ilgpu_cpu_agree_bit_for_bit()
    {
        var rng = new Random(11);
        const int b = 300, a = 4;
        var q = SelfTest.Reference.Uniform(rng, b * a, 3f);
        var qn = SelfTest.Reference.Uniform(rng, b * a, 3f);
        var qo = SelfTest.Reference.Uniform(rng, b * a, 3f);
        var act = Enumerable.Range(0, b).Select(_ => rng.Next(a)).ToArray();
        var ret = SelfTest.Reference.Uniform(rng, b);
        var disc = Enumerable.Range(0, b).Select(i => i % 5 == 0 ? 0f : 0.97f).ToArray();
        var h = Run(TestDevices.Get("cpu"), TdVariant.Double, TdLossKind.Huber, q, qn, qo, act, ret, disc, b, a);
        var g = Run(TestDevices.Get("ilgpu-cpu"), TdVariant.Double, TdLossKind.Huber, q, qn, qo, act, ret, disc, b, a);
        Assert.Equal(h.td, g.td);
        Assert.Equal(h.dq, g.dq);
        Assert.Equal(h.loss, g.loss);
        Assert.Equal(h.meanQ, g.meanQ);
    }

    [Fact]
    public void Bad_arguments_throw_clear_errors()
    {
        var dev = TestDevices.Get("cpu");
        var q = dev.Zeros<float>(4, 2);
        Assert.Contains("qNextOnline", Assert.Throws<ArgumentNullException>(() => TdLoss.Run(TdVariant.Double, TdLossKind.Huber, q, q, null,
            dev.Zeros<int>(4), dev.Zeros<float>(4), dev.Zeros<float>(4), dev.Zeros<float>(4), dev.Zeros<float>(1), dev.Zeros<float>(4, 2), dev.Zeros<float>(1))).Message);
        Assert.Contains("returns", Assert.Throws<ArgumentException>(() => TdLoss.Run(TdVariant.Target, TdLossKind.Huber, q, q, null,
            dev.Zeros<int>(4), dev.Zeros<float>(3), dev.Zeros<float>(4), dev.Zeros<float>(4), dev.Zeros<float>(1), dev.Zeros<float>(4, 2), dev.Zeros<float>(1))).Message);
    }
}
