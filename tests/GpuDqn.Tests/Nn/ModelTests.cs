using GpuDqn.Nn;
using Xunit;

namespace GpuDqn.Tests.Nn;

public class ModelTests
{
    [Fact]
    public void A_network_too_large_for_one_flat_tensor_is_refused_before_allocating()
    {
        // 50,000² weights twice: ~5e9 parameters, past the int index of the flat parameter tensor.
        var net = Networks.Mlp(4, 2, 50_000, 50_000, 50_000);
        var e = Assert.Throws<ArgumentException>(() => new Model(net, TestDevices.Get("cpu"), 0));
        Assert.Contains($"the network has {net.ParameterCount:N0} parameters", e.Message);
    }

    [Fact]
    public void A_layer_cannot_serve_a_second_network()
    {
        // Building sets the layer's parameter offset and ReLU fusion: the first network would change under it.
        var lin = new Linear(2, 2);
        var first = new Sequential([2], lin);
        var e = Assert.Throws<ArgumentException>(() => new Sequential([2], lin, new Relu()));
        Assert.Contains("layer 0 (Linear) already belongs to another Sequential", e.Message);
        Assert.False(lin.FusedRelu);
        Assert.Same(first, lin.Owner);
    }

    [Fact]
    public void A_network_that_failed_to_build_claims_none_of_its_layers()
    {
        var lin = new Linear(2, 3);
        Assert.ThrowsAny<ArgumentException>(() => new Sequential([2], lin, new Linear(5, 1)));   // 3 outputs into 5 inputs
        Assert.Null(lin.Owner);
        Assert.Same(lin, new Sequential([2], lin, new Linear(3, 1)).Layers[0]);
    }

    [Fact]
    public void A_tensor_of_a_disposed_device_says_so()
    {
        var dev = GpuDqn.Engine.Device.Create("ilgpu-cpu");
        var t = dev.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        dev.Dispose();
        // ILGPU itself would fail an assertion that ends the process.
        Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Throws<ObjectDisposedException>(() => t.Upload(new float[4]));
    }

    [Fact]
    public void A_backward_whose_activations_were_forwarded_again_refuses_to_run()
    {
        var dev = TestDevices.Get("cpu");
        var model = new Model(Networks.Mlp(3, 2, 5), dev, 1);
        var acts = model.CreateActivations(2, withGrads: true);
        var tape = new Tape();
        model.Forward(dev.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3), acts, tape);
        model.Forward(dev.FromArray(new float[] { -1, 0, 1, 2, 3, 4 }, 2, 3), acts);   // overwrites what the tape reads
        acts.OutputGrad.Upload([1f, 1f, 1f, 1f]);
        var e = Assert.Throws<InvalidOperationException>(tape.Backward);
        Assert.Contains("forwarded again after this pass was recorded", e.Message);
    }
}
