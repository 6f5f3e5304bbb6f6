using GpuDqn.Engine;
using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Replay;

/// <summary>
/// Replay buffer: ring layout and wrap-around, n-step returns across terminated/truncated
/// episode ends and the buffer head, uniform sampling (chi-square), determinism, host ==
/// ILGPU, and argument errors. Every sampled row is checked against a float64 reference
/// that walks the logical time line the test itself recorded.
/// </summary>
public class ReplayBufferTests
{
    /// <summary>What the test added, by logical time t and env e (the reference's view).</summary>
    private sealed class Log(int envs, int dim)
    {
        public readonly List<float[]> Obs = [], Next = [], Rewards = [];
        public readonly List<int[]> Actions = [];
        public readonly List<byte[]> Term = [], Trunc = [];
        public int Envs = envs, Dim = dim;
        public int Steps => Obs.Count;
    }

    /// <summary>Adds one step with distinct values; env e terminates at steps in term[e], truncates at trunc[e].</summary>
    private static void AddStep(ReplayBuffer rb, Log log, Random rng, Func<int, int, bool> isTerm, Func<int, int, bool> isTrunc)
    {
        int t = log.Steps, e = rb.NumEnvs, d = rb.ObsDim;
        var obs = new float[e * d];
        var next = new float[e * d];
        var act = new int[e];
        var rew = new float[e];
        var te = new byte[e];
        var tr = new byte[e];
        for (int i = 0; i < e; i++)
        {
            for (int j = 0; j < d; j++)
            {
                obs[i * d + j] = t * 1000 + i * 10 + j;
                next[i * d + j] = -(t * 1000 + i * 10 + j) - 0.5f;
            }
            act[i] = rng.Next(6);
            rew[i] = (float)(rng.NextDouble() * 2 - 0.5);
            te[i] = (byte)(isTerm(t, i) ? 1 : 0);
            tr[i] = (byte)(!isTerm(t, i) && isTrunc(t, i) ? 1 : 0);
        }
        var dev = rb.Device;
        rb.Add(dev.FromArray(obs, e, d), dev.FromArray(act, e), dev.FromArray(rew, e), dev.FromArray(te, e), dev.FromArray(tr, e), dev.FromArray(next, e, d));
        log.Obs.Add(obs); log.Next.Add(next); log.Actions.Add(act); log.Rewards.Add(rew); log.Term.Add(te); log.Trunc.Add(tr);
    }

    /// <summary>Checks every row of a batch against the float64 n-step reference over the log.</summary>
    private static void CheckBatch(ReplayBuffer rb, Log log, ReplayBatch batch, int n, double gamma)
    {
        int d = rb.ObsDim, e = rb.NumEnvs, T = rb.RowsPerEnv, steps = log.Steps;
        int oldest = Math.Max(0, steps - T);
        var idx = batch.Indices.ToArray();
        var obs = batch.Obs.ToArray();
        var next = batch.NextObs.ToArray();
        var act = batch.Actions.ToArray();
        var ret = batch.Returns.ToArray();
        var disc = batch.Discounts.ToArray();
        var ks = batch.StepCounts.ToArray();
        for (int b = 0; b < batch.Size; b++)
        {
            int slot = idx[b];
            Assert.InRange(slot, 0, rb.Count - 1);
            int row = slot / e, env = slot % e;
            int t0 = Enumerable.Range(oldest, steps - oldest).Single(t => t % T == row);
            double r = 0, g = 1;
            int t = t0, k = 0;
            while (true)
            {
                r += g * log.Rewards[t][env];
                g *= gamma;
                k++;
                if (log.Term[t][env] != 0) { g = 0; break; }
                if (log.Trunc[t][env] != 0 || k == n || t == steps - 1) break;
                t++;
            }
            Assert.Equal(log.Obs[t0].AsSpan(env * d, d).ToArray(), obs.AsSpan(b * d, d).ToArray());
            Assert.Equal(log.Next[t].AsSpan(env * d, d).ToArray(), next.AsSpan(b * d, d).ToArray());
            Assert.Equal(log.Actions[t0][env], act[b]);
            Assert.Equal(k, ks[b]);
            Assert.True(Math.Abs(ret[b] - r) <= 1e-5 * Math.Max(1, Math.Abs(r)), $"row {b} slot {slot}: R {ret[b]} vs {r}");
            Assert.True(Math.Abs(disc[b] - g) <= 1e-6, $"row {b} slot {slot}: discount {disc[b]} vs {g}");
        }
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Wraps_around_and_never_samples_overwritten_or_unwritten_slots(string device)
    {
        var dev = TestDevices.Get(device);
        var rng = new Random(1);
        var rb = new ReplayBuffer(dev, capacity: 12, obsDim: 3, numEnvs: 3);
        var log = new Log(3, 3);
        for (int s = 0; s < 3; s++) AddStep(rb, log, rng, (_, _) => false, (_, _) => false);
        Assert.Equal(9, rb.Count);
        CheckBatch(rb, log, rb.Sample(9, 7, 0, 1, 0.99f), 1, 0.99f);
        for (int s = 0; s < 3; s++) AddStep(rb, log, rng, (_, _) => false, (_, _) => false);
        Assert.Equal(12, rb.Count);
        Assert.Equal(1, rb.NewestRow);   // step 5 lives in row 5 mod 4
        // Storage layout: slot (t mod T)·E + e holds step t for t = 2..5; steps 0, 1 are overwritten.
        var stored = rb.Obs.ToArray();
        for (int t = 2; t < 6; t++)
            for (int e = 0; e < 3; e++)
                Assert.Equal(log.Obs[t][e * 3], stored[((t % 4) * 3 + e) * 3]);
        for (ulong step = 0; step < 5; step++)
            CheckBatch(rb, log, rb.Sample(12, 11, step, 3, 0.9f), 3, 0.9f);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void N_step_returns_stop_at_terminated_truncated_and_the_newest_step(string device)
    {
        var dev = TestDevices.Get(device);
        var rng = new Random(2);
        var rb = new ReplayBuffer(dev, capacity: 2 * 16, obsDim: 2, numEnvs: 2);
        var log = new Log(2, 2);
        // env 0 terminates at t = 2, 9 and truncates at t = 5, 13; env 1 truncates at 3 and terminates at 4.
        bool Term(int t, int e) => e == 0 ? t is 2 or 9 : t == 4;
        bool Trunc(int t, int e) => e == 0 ? t is 5 or 13 : t == 3;
        for (int s = 0; s < 20; s++)   // wraps: steps 4..19 stored
            AddStep(rb, log, rng, Term, Trunc);
        var seen = new HashSet<(int k, bool zero)>();
        var batch = new ReplayBatch(dev, 32, 2);
        foreach (int n in new[] { 1, 3, 5 })
            for (ulong step = 0; step < 6; step++)
            {
                rb.Sample(batch, 5, step, n, 0.9f);
                CheckBatch(rb, log, batch, n, 0.9f);
                var k = batch.StepCounts.ToArray();
                var disc = batch.Discounts.ToArray();
                for (int b = 0; b < k.Length; b++) seen.Add((k[b], disc[b] == 0));
            }
        // Both a cut-short bootstrapped return and a terminated one (discount 0) occurred.
        Assert.Contains((2, false), seen);
        Assert.Contains((1, true), seen);
        Assert.Contains((5, false), seen);
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Sampling_is_uniform_over_stored_transitions(string device)
    {
        var dev = TestDevices.Get(device);
        var rng = new Random(3);
        var rb = new ReplayBuffer(dev, capacity: 4 * 50, obsDim: 1, numEnvs: 4);
        var log = new Log(4, 1);
        for (int s = 0; s < 30; s++) AddStep(rb, log, rng, (_, _) => false, (_, _) => false);
        ChiSquare(rb, 120, TestDevices.NewSeed());      // partly filled: only the 120 stored slots
        for (int s = 30; s < 75; s++) AddStep(rb, log, rng, (_, _) => false, (_, _) => false);
        ChiSquare(rb, 200, TestDevices.NewSeed());      // full and wrapped
    }

    private static void ChiSquare(ReplayBuffer rb, int cells, int seed)
    {
        Assert.Equal(cells, rb.Count);
        // 100 expected per cell on the host, 25 on ILGPU devices (each draw is a launch; ilgpu-cpu launches are slow).
        int batch = cells, draws = rb.Device is IlgpuDevice ? 25 : 100;
        var counts = new long[cells];
        var b = new ReplayBatch(rb.Device, batch, rb.ObsDim);
        for (int s = 0; s < draws; s++)
        {
            rb.Sample(b, (ulong)seed, (ulong)s, 1, 0.99f);
            foreach (int i in b.Indices.ToArray())
            {
                Assert.InRange(i, 0, cells - 1);
                counts[i]++;
            }
        }
        double expected = (double)batch * draws / cells, chi = 0;
        foreach (long c in counts) chi += (c - expected) * (c - expected) / expected;
        // Wilson–Hilferty: the (1 - 1e-6) quantile of chi-square with cells - 1 degrees of freedom.
        double df = cells - 1, z = 4.753;
        double crit = df * Math.Pow(1 - 2 / (9 * df) + z * Math.Sqrt(2 / (9 * df)), 3);
        Assert.True(chi < crit, $"chi-square {chi:F1} >= {crit:F1} over {cells} cells (seed {seed})");
        Assert.All(counts, c => Assert.True(c > 0));
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Same_seed_and_step_give_the_same_batch(string device)
    {
        var dev = TestDevices.Get(device);
        var rng = new Random(4);
        var rb = new ReplayBuffer(dev, capacity: 64, obsDim: 4, numEnvs: 4);
        var log = new Log(4, 4);
        for (int s = 0; s < 10; s++) AddStep(rb, log, rng, (t, e) => (t + e) % 7 == 6, (t, e) => (t * 3 + e) % 11 == 10);
        var a = rb.Sample(32, 99, 17, 3, 0.99f);
        var b = rb.Sample(32, 99, 17, 3, 0.99f);
        var c = rb.Sample(32, 99, 18, 3, 0.99f);
        Assert.Equal(a.Indices.ToArray(), b.Indices.ToArray());
        Assert.Equal(a.Returns.ToArray(), b.Returns.ToArray());
        Assert.Equal(a.NextObs.ToArray(), b.NextObs.ToArray());
        Assert.NotEqual(a.Indices.ToArray(), c.Indices.ToArray());
        CheckBatch(rb, log, a, 3, 0.99f);
    }

    [Fact]
    public void Host_and_ilgpu_give_identical_batches()
    {
        var results = new List<(string id, int[] idx, float[] ret, float[] disc, float[] obs, float[] next, int[] act)>();
        foreach (string id in TestDevices.Ids)
        {
            var dev = TestDevices.Get(id);
            var rng = new Random(5);
            var rb = new ReplayBuffer(dev, capacity: 5 * 20, obsDim: 3, numEnvs: 5);
            var log = new Log(5, 3);
            for (int s = 0; s < 27; s++) AddStep(rb, log, rng, (t, e) => (t + 2 * e) % 9 == 8, (t, e) => (t + e) % 13 == 12);
            var batch = rb.Sample(64, 1234, 56, 3, 0.97f);
            results.Add((id, batch.Indices.ToArray(), batch.Returns.ToArray(), batch.Discounts.ToArray(), batch.Obs.ToArray(), batch.NextObs.ToArray(), batch.Actions.ToArray()));
        }
        var host = results[0];
        Assert.Equal("cpu", host.id);
        foreach (var r in results.Skip(1))
        {
            Assert.Equal(host.idx, r.idx);
            Assert.Equal(host.obs, r.obs);
            Assert.Equal(host.next, r.next);
            Assert.Equal(host.act, r.act);
            if (r.id == "ilgpu-cpu")
            {
                // Same code on the same CPU: bit for bit.
                Assert.Equal(host.ret, r.ret);
                Assert.Equal(host.disc, r.disc);
            }
            else
            {
                for (int i = 0; i < host.ret.Length; i++) Assert.True(Math.Abs(host.ret[i] - r.ret[i]) <= 1e-5f * Math.Max(1, Math.Abs(host.ret[i])));
                for (int i = 0; i < host.disc.Length; i++) Assert.True(Math.Abs(host.disc[i] - r.disc[i]) <= 1e-6f);
            }
        }
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Bad_arguments_throw_clear_errors(string device)
    {
        var dev = TestDevices.Get(device);
        Assert.Contains("multiple of numEnvs", Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayBuffer(dev, 10, 4, 3)).Message);
        var rb = new ReplayBuffer(dev, capacity: 8, obsDim: 2, numEnvs: 2);
        Assert.Contains("empty", Assert.Throws<InvalidOperationException>(() => rb.Sample(1, 0, 0, 1, 0.9f)).Message);
        var log = new Log(2, 2);
        var rng = new Random(6);
        AddStep(rb, log, rng, (_, _) => false, (_, _) => false);
        AddStep(rb, log, rng, (_, _) => false, (_, _) => false);
        Assert.Contains("4 transitions stored", Assert.Throws<ArgumentOutOfRangeException>(() => rb.Sample(5, 0, 0, 1, 0.9f)).Message);
        Assert.Contains("capacity 8", Assert.Throws<ArgumentOutOfRangeException>(() => rb.Sample(9, 0, 0, 1, 0.9f)).Message);
        Assert.Contains("n (steps", Assert.Throws<ArgumentOutOfRangeException>(() => rb.Sample(2, 0, 0, 0, 0.9f)).Message);
        Assert.Contains("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => rb.Sample(2, 0, 0, 1, 1.5f)).Message);
        var ex = Assert.Throws<ArgumentException>(() => rb.Add(dev.Zeros<float>(3, 2), dev.Zeros<int>(2), dev.Zeros<float>(2), dev.Zeros<byte>(2), dev.Zeros<byte>(2), dev.Zeros<float>(2, 2)));
        Assert.Contains("obs", ex.Message);
        Assert.Equal(4, rb.Count);    // the failed Add stored nothing
    }
}
