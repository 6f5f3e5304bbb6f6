using GpuDqn.Nn;
using GpuDqn.SelfTest;
using Xunit;

namespace GpuDqn.Tests.Nn;

/// <summary>Row views of activations: forwarding the samples in parts equals forwarding them at once.</summary>
public class ActivationsTests
{
    [Theory]
    [ClassData(typeof(PresentDevices))]
    public void Row_views_forward_their_samples_as_the_whole_batch_does(string device)
    {
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        var net = Networks.MinAtar(3, 5);
        var model = new Model(net, dev, seed);
        const int batch = 7;
        var x = dev.FromArray(Reference.Uniform(rng, batch * 3 * 10 * 10), batch, 3, 10, 10);
        var whole = model.CreateActivations(batch, withGrads: false);
        var want = model.Forward(x, whole).ToArray();

        var parts = model.CreateActivations(batch, withGrads: false);
        model.Forward(x.Rows(4, 3), parts.Rows(4, 3));
        model.Forward(x.Rows(0, 4), parts.Rows(0, 4));
        var got = parts.Output.ToArray();
        // The host ops compute each sample alike whatever the batch; ILGPU picks its GEMM kernel by size.
        if (dev is GpuDqn.Engine.HostDevice) Assert.Equal(want, got);
        else Assert.True(Reference.MaxRelError(got, Reference.ToDouble(want)) < 1e-5, $"seed {seed}: parts differ from the whole batch");
        Assert.Equal(got.AsSpan(4 * 5, 3 * 5).ToArray(), parts.Rows(4, 3).Output.ToArray());
    }

    [Fact]
    public void A_row_view_zeroes_only_its_own_rows_gradients()
    {
        var dev = TestDevices.Get("cpu");
        var net = Networks.MinAtar(2, 3);
        var acts = new Model(net, dev, 1).CreateActivations(4, withGrads: true);
        foreach (var g in acts.OutputGrads) g!.Upload(Enumerable.Repeat(1f, (int)g.Length).ToArray());
        acts.Rows(1, 2).ZeroGrads();
        foreach (var g in acts.OutputGrads)
        {
            var v = g!.ToArray();
            int row = v.Length / 4;
            Assert.All(v.AsSpan(0, row).ToArray(), e => Assert.Equal(1f, e));
            Assert.All(v.AsSpan(row, 2 * row).ToArray(), e => Assert.Equal(0f, e));
            Assert.All(v.AsSpan(3 * row).ToArray(), e => Assert.Equal(1f, e));
        }
    }

    [Fact]
    public void Rows_outside_the_batch_are_refused()
    {
        var acts = new Model(Networks.Mlp(3, 2, 4), TestDevices.Get("cpu"), 1).CreateActivations(4, withGrads: false);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => acts.Rows(3, 2));
        Assert.Contains("[3, 5)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => acts.Rows(0, 0));
    }

    [Theory]
    [ClassData(typeof(PresentDevices))]
    public void A_flatten_first_network_equals_the_same_layers_on_flattened_input(string device)
    {
        // The first layer gets storage of its own even though a Flatten elsewhere aliases its input.
        var dev = TestDevices.Get(device);
        int seed = TestDevices.NewSeed();
        var rng = new Random(seed);
        const int batch = 5;
        var grid = new Model(Networks.Mlp([3, 4, 5], 4, 7), dev, seed);
        var flat = new Model(Networks.Mlp(60, 4, 7), dev, seed);
        grid.Parameters.CopyTo(flat.Parameters);
        var x = Reference.Uniform(rng, batch * 60);
        var dy = Reference.Uniform(rng, batch * 4);
        float[] Run(Model m, int[] shape)
        {
            var acts = m.CreateActivations(batch, withGrads: true);
            var tape = new Tape();
            m.Forward(dev.FromArray(x, shape), acts, tape, overwriteGradients: true);
            acts.OutputGrad.Upload(dy);
            tape.Backward();
            return [.. acts.Output.ToArray(), .. m.Gradients.ToArray()];
        }
        Assert.Equal(Run(flat, [batch, 60]), Run(grid, [batch, 3, 4, 5]));
    }
}
