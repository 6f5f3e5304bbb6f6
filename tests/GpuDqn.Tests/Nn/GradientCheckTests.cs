using GpuDqn.Nn;
using GpuDqn.SelfTest;
using Xunit;

namespace GpuDqn.Tests.Nn;

/// <summary>
/// Gradients of composed models from the tape (float32, on each device) against central
/// finite differences of a float64 reference forward pass. The loss is L = Σ out ⊙ R for a
/// fixed random R, so dL/dout = R.
/// </summary>
public class GradientCheckTests
{
    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var dev in TestDevices.Ids)
            foreach (var net in new[] { "mlp", "minatar", "nature" })
                d.Add(dev, net);
        return d;
    }

    private static (Sequential Net, int Batch) Make(string name) => name switch
    {
        "mlp" => (new Sequential([5], new Linear(5, 13), new GpuDqn.Nn.Relu(), new Linear(13, 7), new GpuDqn.Nn.Relu(), new Linear(7, 3)), 4),
        "minatar" => (Networks.MinAtar(3, 5), 3),
        "nature" => (Networks.Nature(6), 2),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tape_gradients_match_float64_finite_differences(string device, string netName)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        var (net, batch) = Make(netName);
        var model = new Model(net, dev, seed);
        long inCount = batch * GpuDqn.Engine.Shape.Count(net.InputShape);
        long outCount = batch * GpuDqn.Engine.Shape.Count(net.OutputShape);
        var x = Reference.Uniform(rng, inCount);
        var r = Reference.Uniform(rng, outCount);
        var acts = model.CreateActivations(batch, withGrads: true);
        var tape = new Tape();
        model.ZeroGrad();
        acts.ZeroGrads();
        model.Forward(dev.FromArray(x, [batch, .. net.InputShape]), acts, tape);
        acts.OutputGrad.Upload(r);
        tape.Backward();
        var grads = model.Gradients.ToArray();

        var p = Reference.ToDouble(model.Parameters.ToArray());
        var xd = Reference.ToDouble(x);
        // The tape masks each ReLU where the float32 forward's output is > 0. A unit within rounding of
        // zero can fall on the other side in float64 (or cross under the ±h probe), and its kink then
        // shifts a finite difference by a whole unit's contribution (seed 1291565960: a conv bias 1.15e-3
        // off). So the float32 pattern must be float64's wherever float64 is clear of zero, and the
        // differences are taken on the network's linear piece around that pattern.
        var deviceRelu = net.Layers.Select((l, i) => l is GpuDqn.Nn.Relu ? acts.Outputs[i].ToArray() : null).ToArray();
        var reluInputs = new List<double[]>();
        ReferenceNet.Forward(net, p, xd, batch, reluInputs: reluInputs);
        for (int i = 0, k = 0; i < deviceRelu.Length; i++)
        {
            if (deviceRelu[i] is not { } mask) continue;
            var z = reluInputs[k++];
            double clear = 1e-4 * z.Max(Math.Abs);
            for (int j = 0; j < z.Length; j++)
                if (Math.Abs(z[j]) > clear)
                    Assert.True(z[j] > 0 == mask[j] > 0, $"{netName} on {device} (seed {seed}): layer {i} unit {j}: float64 input {z[j]:G6}, float32 output {mask[j]:G6}");
        }
        double Loss(double[] pp)
        {
            var o = ReferenceNet.Forward(net, pp, xd, batch, reluMasks: deviceRelu);
            double l = 0;
            for (int i = 0; i < o.Length; i++) l += o[i] * r[i];
            return l;
        }
        // Check every parameter of small nets, a random sample (every layer's weight and bias) of large ones.
        var indices = new List<long>();
        foreach (var (_, off, shape) in net.NamedParameters())
        {
            long n = GpuDqn.Engine.Shape.Count(shape);
            int take = net.ParameterCount < 400 ? (int)n : 6;
            for (int j = 0; j < take; j++) indices.Add(take == n ? off + j : off + rng.NextInt64(n));
        }
        double scale = 1e-12, maxErr = 0;
        var fds = new List<(long, double, double)>();
        const double h = 1e-6;
        foreach (long i in indices)
        {
            double keep = p[i];
            p[i] = keep + h; double lp = Loss(p);
            p[i] = keep - h; double lm = Loss(p);
            p[i] = keep;
            double fd = (lp - lm) / (2 * h);
            fds.Add((i, fd, grads[i]));
            scale = Math.Max(scale, Math.Abs(fd));
        }
        foreach (var (_, fd, g) in fds) maxErr = Math.Max(maxErr, Math.Abs(fd - g));
        Assert.True(maxErr / scale < 1e-3,
            $"{netName} on {device} (seed {seed}): max |grad - fd| / max|fd| = {maxErr / scale:E2}; worst {string.Join("; ", fds.OrderByDescending(t => Math.Abs(t.Item2 - t.Item3)).Take(3).Select(t => $"p[{t.Item1}] fd {t.Item2:G6} got {t.Item3:G6}"))}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Overwriting_gradients_equals_zeroing_then_accumulating(string device, string netName)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        var (net, batch) = Make(netName);
        var model = new Model(net, dev, seed);
        var x = dev.FromArray(Reference.Uniform(rng, batch * GpuDqn.Engine.Shape.Count(net.InputShape)), [batch, .. net.InputShape]);
        var r = Reference.Uniform(rng, batch * GpuDqn.Engine.Shape.Count(net.OutputShape));
        var stale = Reference.Uniform(rng, net.ParameterCount);   // what an earlier step left behind
        var acts = model.CreateActivations(batch, withGrads: true);
        var tape = new Tape();
        float[] Pass(bool overwrite)
        {
            model.Gradients.Upload(stale);
            // Overwriting, the activation gradients are written before they are read: NaN left there
            // by an earlier step must not reach the result.
            if (overwrite)
                foreach (var g in acts.OutputGrads)
                    g?.Upload(Enumerable.Repeat(float.NaN, (int)g.Length).ToArray());
            else acts.ZeroGrads();
            model.Forward(x, acts, tape, overwriteGradients: overwrite);
            acts.OutputGrad.Upload(r);
            tape.Backward();
            return model.Gradients.ToArray();
        }
        var accumulated = Pass(false);
        var overwritten = Pass(true);
        model.ZeroGrad();
        acts.ZeroGrads();
        model.Forward(x, acts, tape);
        acts.OutputGrad.Upload(r);
        tape.Backward();
        var fresh = model.Gradients.ToArray();
        for (int i = 0; i < fresh.Length; i++)
        {
            Assert.True(overwritten[i] == fresh[i], $"{netName} on {device} (seed {seed}): p[{i}] overwritten {overwritten[i]:G9}, zeroed then accumulated {fresh[i]:G9}");
            Assert.True(Math.Abs(accumulated[i] - (stale[i] + fresh[i])) <= 1e-5f * (1 + Math.Abs(stale[i]) + Math.Abs(fresh[i])),
                $"{netName} on {device} (seed {seed}): p[{i}] accumulated {accumulated[i]:G9}, expected {stale[i]:G9} + {fresh[i]:G9}");
        }
    }

    [Theory]
    [ClassData(typeof(PresentDevices))]
    public void Input_gradient_is_computed_only_when_the_input_needs_it(string device)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        var net = new Sequential([4], new Linear(4, 6), new GpuDqn.Nn.Relu(), new Linear(6, 2));
        var model = new Model(net, dev, seed);
        var x = Reference.Uniform(rng, 3 * 4);
        var r = Reference.Uniform(rng, 3 * 2);
        var xt = dev.FromArray(x, 3, 4);
        var dx = dev.Zeros<float>(3, 4);
        var acts = model.CreateActivations(3, true);
        var tape = new Tape();
        acts.ZeroGrads();
        net.Forward(model.Parameters, new Variable(xt, dx), acts, tape, model.Gradients);
        acts.OutputGrad.Upload(r);
        tape.Backward();
        var got = dx.ToArray();
        // Overwriting, the input's gradient is written, whatever it held.
        dx.Upload(Enumerable.Repeat(float.NaN, x.Length).ToArray());
        net.Forward(model.Parameters, new Variable(xt, dx), acts, tape, model.Gradients, overwriteGradients: true);
        acts.OutputGrad.Upload(r);
        tape.Backward();
        Assert.Equal(got, dx.ToArray());
        var p = Reference.ToDouble(model.Parameters.ToArray());
        var xd = Reference.ToDouble(x);
        for (int i = 0; i < x.Length; i++)
        {
            const double h = 1e-6;
            double keep = xd[i];
            xd[i] = keep + h; var op = ReferenceNet.Forward(net, p, xd, 3);
            xd[i] = keep - h; var om = ReferenceNet.Forward(net, p, xd, 3);
            xd[i] = keep;
            double fd = 0;
            for (int j = 0; j < r.Length; j++) fd += (op[j] - om[j]) * r[j] / (2 * h);
            Assert.True(Math.Abs(fd - got[i]) < 1e-4 * Math.Max(1, Math.Abs(fd)), $"dx[{i}] = {got[i]} but finite difference {fd} (seed {seed})");
        }
    }
}
