using GpuDqn.Engine;
using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Rl;

public class ActingTests
{
    [Theory, ClassData(typeof(PresentDevices))]
    public void Epsilon_one_is_uniform_over_actions(string device)
    {
        var dev = TestDevices.Get(device);
        const int n = 4000, a = 6;
        int seed = TestDevices.NewSeed();
        var q = dev.FromArray(Enumerable.Range(0, n * a).Select(i => (float)(i % a)).ToArray(), n, a);  // argmax would always be a-1
        var actions = dev.Zeros<int>(n);
        var counts = new long[a];
        for (ulong step = 0; step < 3; step++)
        {
            EpsilonGreedy.Select(q, 1f, (ulong)seed, step, actions);
            foreach (int x in actions.ToArray()) counts[x]++;
        }
        double expected = 3.0 * n / a, chi = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chi < 35.9, $"chi-square {chi:F1} over {a} actions (5 dof, p = 1e-6) seed {seed}: {string.Join(",", counts)}");
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Epsilon_zero_is_argmax_and_intermediate_epsilon_mixes(string device)
    {
        var dev = TestDevices.Get(device);
        const int n = 2000, a = 3;
        var rng = new Random(TestDevices.NewSeed());
        var qv = SelfTest.Reference.Uniform(rng, n * a);
        var q = dev.FromArray(qv, n, a);
        var actions = dev.Zeros<int>(n);
        var bestT = dev.Zeros<int>(n);
        Argmax.Run(q, bestT);
        var best = bestT.ToArray();
        EpsilonGreedy.Select(q, 0f, 1, 1, actions);
        Assert.Equal(best, actions.ToArray());
        EpsilonGreedy.Select(q, 0.3f, 1, 2, actions);
        int greedy = actions.ToArray().Zip(best).Count(p => p.First == p.Second);
        // P(greedy) = 0.7 + 0.3/3 = 0.8; 2000 draws: sd ≈ 18.
        Assert.InRange(greedy, 1600 - 120, 1600 + 120);
    }

    [Fact]
    public void Linear_schedule_interpolates_then_holds()
    {
        var s = new LinearSchedule(1f, 0.05f, 0.5f, 1000);
        Assert.Equal(1f, s.Value(0));
        Assert.Equal(0.525f, s.Value(250), 5);
        Assert.Equal(0.05f, s.Value(500));
        Assert.Equal(0.05f, s.Value(10_000));
        Assert.Equal(0.2f, new LinearSchedule(1f, 0.2f, 0f, 1000).Value(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearSchedule(1f, 0f, 1.5f, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Value(-1));
    }

    [Fact]
    public void Argmax_breaks_ties_toward_the_lowest_index()
    {
        foreach (var id in TestDevices.Ids)
        {
            var dev = TestDevices.Get(id);
            var x = dev.FromArray(new[] { 1f, 3f, 3f, 0f, /* */ 2f, 2f, 2f, 2f, /* */ -1f, -5f, -1f, -0.5f }, 3, 4);
            var idx = dev.Zeros<int>(3);
            var max = dev.Zeros<float>(3);
            Argmax.Run(x, idx, max);
            Assert.Equal(new[] { 1, 0, 3 }, idx.ToArray());
            Assert.Equal(new[] { 3f, 2f, -0.5f }, max.ToArray());
        }
    }
}
