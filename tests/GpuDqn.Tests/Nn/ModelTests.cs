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
}
