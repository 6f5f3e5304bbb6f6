using GpuDqn.Engine;
using GpuDqn.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace GpuDqn.Tests.Rl;

public class CartPoleTests(ITestOutputHelper output)
{
    private static int RandomAction(ulong seed, int env, int t) => CounterRng.Below(seed, (ulong)(uint)env, (ulong)t, 2);

    [Theory, ClassData(typeof(PresentDevices))]
    public void Float32_episodes_end_on_the_same_step_as_float64_in_99_percent_of_1000(string device)
    {
        const int n = 1000;
        var dev = TestDevices.Get(device);
        int testSeed = TestDevices.NewSeed();
        ulong seed = (ulong)testSeed, actSeed = seed + 1;
        var env = new CartPoleVec(dev, n);   // all 1,000 episodes in one vector env: one launch per step
        env.Reset(seed);
        var start = env.Obs.ToArray();
        var firstLength = Enumerable.Repeat(-1, n).ToArray();
        int remaining = n;
        var act = new int[n];
        var actions = dev.Zeros<int>(n);
        for (int t = 0; t < CartPolePhysics.MaxEpisodeSteps && remaining > 0; t++)
        {
            for (int i = 0; i < n; i++) act[i] = RandomAction(actSeed, i, t);
            actions.Upload(act);
            env.Step(actions);
            if (t % 16 == 15 || t == CartPolePhysics.MaxEpisodeSteps - 1)
                foreach (var ep in env.DrainEpisodes(out int lost))
                {
                    Assert.Equal(0, lost);
                    if (ep.Episode == 0)
                    {
                        firstLength[ep.Env] = ep.Length;
                        Assert.Equal(ep.Length, ep.Return);
                        remaining--;
                    }
                }
        }
        Assert.Equal(0, remaining);
        int same = 0;
        double meanLength = 0;
        for (int i = 0; i < n; i++)
        {
            var r = new CartPoleReference(start[4 * i], start[4 * i + 1], start[4 * i + 2], start[4 * i + 3]);
            int length = 0;
            for (int t = 0; ; t++)
            {
                var (te, tr) = r.Step(RandomAction(actSeed, i, t));
                if (te || tr)
                {
                    length = t + 1;
                    break;
                }
            }
            meanLength += length / (double)n;
            if (length == firstLength[i]) same++;
        }
        output.WriteLine($"{device}: {same} of {n} episodes end on the float64 step; mean length {meanLength:F1} (seed {testSeed})");
        Assert.InRange(meanLength, 12, 40);   // random play lasts about 22 steps: the comparison is not vacuous
        Assert.True(same >= 990, $"only {same} of {n} episodes ended on the float64 step (seed {testSeed})");
    }

    [Fact]
    public void Host_and_ilgpu_cpu_trajectories_are_identical()
    {
        const int n = 300, steps = 120;
        var outputs = new List<(float[] obs, float[] next, byte[] te, byte[] tr, int[] fin)>();
        foreach (var id in new[] { "cpu", "ilgpu-cpu" })
        {
            var dev = TestDevices.Get(id);
            var env = new CartPoleVec(dev, n);
            env.Reset(42);
            var actions = dev.Zeros<int>(n);
            var act = new int[n];
            var allTe = new List<byte>();
            for (int t = 0; t < steps; t++)
            {
                for (int i = 0; i < n; i++) act[i] = RandomAction(7, i, t);
                actions.Upload(act);
                env.Step(actions);
                if (t % 10 == 0) allTe.AddRange(env.Terminated.ToArray());
            }
            outputs.Add((env.Obs.ToArray(), env.NextObs.ToArray(), allTe.ToArray(), env.Truncated.ToArray(), env.Finished.ToArray()));
        }
        Assert.Equal(outputs[0].obs, outputs[1].obs);
        Assert.Equal(outputs[0].next, outputs[1].next);
        Assert.Equal(outputs[0].te, outputs[1].te);
        Assert.Equal(outputs[0].fin, outputs[1].fin);
        Assert.True(outputs[0].fin.Sum() > n, "episodes must have finished and reset during the run");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void A_finished_episode_reports_its_final_observation_and_resets(string device)
    {
        const int n = 3;
        var dev = TestDevices.Get(device);
        var env = new CartPoleVec(dev, n, logSize: 4);
        env.Reset(5);
        var start = env.Obs.ToArray();
        for (int i = 0; i < n; i++)
        {
            var s0 = CartPolePhysics.Reset(5, i, 0);
            Assert.Equal(new[] { s0.X, s0.XDot, s0.Theta, s0.ThetaDot }, start.AsSpan(4 * i, 4).ToArray());
            Assert.All(start.AsSpan(4 * i, 4).ToArray(), v => Assert.InRange(v, -0.05f, 0.05f));
        }
        // Always push right: env states follow the host float32 step exactly until each terminates.
        var host = Enumerable.Range(0, n).Select(i => CartPolePhysics.Reset(5, i, 0)).ToArray();
        var right = dev.FromArray(new[] { 1, 1, 1 }, n);
        var doneAt = new int[n];
        for (int t = 1; t <= 40; t++)
        {
            var before = (CartPoleState[])host.Clone();
            env.Step(right);
            var obs = env.Obs.ToArray();
            var next = env.NextObs.ToArray();
            var te = env.Terminated.ToArray();
            var tr = env.Truncated.ToArray();
            Assert.All(env.Rewards.ToArray(), r => Assert.Equal(1f, r));
            for (int i = 0; i < n; i++)
            {
                var s = before[i];
                bool terminated = CartPolePhysics.Step(ref s, 1);
                Assert.Equal(new[] { s.X, s.XDot, s.Theta, s.ThetaDot }, next.AsSpan(4 * i, 4).ToArray());
                Assert.Equal(terminated ? 1 : 0, te[i]);
                Assert.Equal(0, tr[i]);
                if (terminated)
                {
                    doneAt[i] = doneAt[i] == 0 ? t : doneAt[i];
                    s = CartPolePhysics.Reset(5, i, 1 + (doneAt[i] == t ? 0 : 1));
                    Assert.Equal(new[] { s.X, s.XDot, s.Theta, s.ThetaDot }, obs.AsSpan(4 * i, 4).ToArray());
                    Assert.NotEqual(obs.AsSpan(4 * i, 4).ToArray(), next.AsSpan(4 * i, 4).ToArray());
                }
                else Assert.Equal(next.AsSpan(4 * i, 4).ToArray(), obs.AsSpan(4 * i, 4).ToArray());
                host[i] = s;
            }
            if (doneAt.All(d => d > 0)) break;
        }
        Assert.All(doneAt, d => Assert.InRange(d, 2, 39));
        var eps = env.DrainEpisodes(out int lost);
        Assert.Equal(0, lost);
        for (int i = 0; i < n; i++)
        {
            var first = eps.Single(e => e.Env == i && e.Episode == 0);
            Assert.Equal(doneAt[i], first.Length);
            Assert.Equal(doneAt[i], first.Return);
        }
        Assert.Empty(env.DrainEpisodes(out _));   // a drain returns each episode once
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Episodes_are_truncated_at_500_steps(string device)
    {
        var dev = TestDevices.Get(device);
        var env = new CartPoleVec(dev, 2);
        env.Reset(9);
        env.State.Upload(new float[8]);             // upright and still: the next step cannot terminate
        env.Steps.Upload(new[] { 499, 10 });
        env.Step(dev.FromArray(new[] { 0, 1 }, 2));
        Assert.Equal(new byte[] { 1, 0 }, env.Truncated.ToArray());
        Assert.Equal(new byte[] { 0, 0 }, env.Terminated.ToArray());
        Assert.Equal(new[] { 0, 11 }, env.Steps.ToArray());
        var s = CartPolePhysics.Reset(9, 0, 1);
        Assert.Equal(new[] { s.X, s.XDot, s.Theta, s.ThetaDot }, env.Obs.ToArray().AsSpan(0, 4).ToArray());
        Assert.Equal(1, env.Finished.ToArray()[0]);
    }

    [Fact]
    public void First_step_from_rest_matches_the_spec_formulas()
    {
        // From the zero state with force +10: temp = 10/1.1, thetaacc = -temp / (0.5·(4/3 - 0.1/1.1)),
        // xacc = temp - 0.05·thetaacc/1.1; positions move with the old (zero) velocities.
        double temp = 10 / 1.1, thetaAcc = -temp / (0.5 * (4.0 / 3 - 0.1 / 1.1)), xAcc = temp - 0.05 * thetaAcc / 1.1;
        var r = new CartPoleReference(0, 0, 0, 0);
        Assert.Equal((false, false), r.Step(1));
        Assert.Equal(0, r.X);
        Assert.Equal(0.02 * xAcc, r.XDot, 12);
        Assert.Equal(0.02 * thetaAcc, r.ThetaDot, 12);
        var s = new CartPoleState();
        Assert.False(CartPolePhysics.Step(ref s, 1));
        Assert.Equal(0.02 * xAcc, s.XDot, 6);
        Assert.Equal(0.02 * thetaAcc, s.ThetaDot, 6);
        Assert.Equal(1, s.Steps);
        // Bounds: just outside 2.4 or 12 degrees terminates.
        var edge = new CartPoleReference(2.4, 1, 0, 0);
        Assert.True(edge.Step(1).Terminated);
        var tilt = new CartPoleState { Theta = CartPolePhysics.ThetaThreshold, ThetaDot = 0.1f };
        Assert.True(CartPolePhysics.Step(ref tilt, 0));
    }

    [Fact]
    public void SinCos_is_accurate_in_and_beyond_the_polynomial_range()
    {
        for (int i = -2000; i <= 2000; i++)
        {
            float x = i * 0.0005f;   // [-1, 1]: polynomial inside π/4, MathF outside
            CartPolePhysics.SinCos(x, out float s, out float c);
            Assert.True(Math.Abs(s - Math.Sin(x)) <= 1.2e-7 * Math.Max(Math.Abs(Math.Sin(x)), 1e-3) + 1e-9, $"sin({x}) = {s}, want {Math.Sin(x)}");
            Assert.True(Math.Abs(c - Math.Cos(x)) <= 1.2e-7, $"cos({x}) = {c}, want {Math.Cos(x)}");
        }
    }

    [Fact]
    public void Bad_arguments_throw()
    {
        var dev = TestDevices.Get("cpu");
        Assert.Throws<ArgumentOutOfRangeException>(() => new CartPoleVec(dev, 0));
        var env = new CartPoleVec(dev, 4);
        env.Reset(1);
        Assert.Contains("actions", Assert.Throws<ArgumentException>(() => env.Step(dev.Zeros<int>(3))).Message);
    }
}
