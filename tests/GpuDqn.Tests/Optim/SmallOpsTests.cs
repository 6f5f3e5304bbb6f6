using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Optim;

/// <summary>Hand-checked values and the error paths of the reductions, gather and losses.</summary>
public class SmallOpsTests
{
    [Theory, ClassData(typeof(PresentDevices))]
    public void Huber_and_mse_match_pytorch_on_a_hand_example(string device)
    {
        var d = TestDevices.Get(device);
        var pred = d.FromArray([0.5f, 3f, -1f, 2f], 4);
        var target = d.FromArray([0f, 1f, -1f, 4.5f], 4);
        var loss = d.Zeros<float>(1);
        // d = [0.5, 2, 0, -2.5]; smooth_l1: [0.125, 1.5, 0, 2.0] → mean 3.625 / 4 = 0.90625
        Loss.Huber(pred, target, loss);
        Assert.Equal(0.90625f, loss.ToArray()[0], 6);
        // mse: [0.25, 4, 0, 6.25] → mean 10.5 / 4 = 2.625
        Loss.Mse(pred, target, loss);
        Assert.Equal(2.625f, loss.ToArray()[0], 6);
        // Huber grad: clamp(d, -1, 1) / 4 = [0.125, 0.25, 0, -0.25], added to what is there (1)
        var dp = d.FromArray([1f, 1f, 1f, 1f], 4);
        Loss.HuberBackward(pred, target, dp);
        Assert.Equal([1.125f, 1.25f, 1f, 0.75f], dp.ToArray());
        // MSE grad: 2 d / 4 = [0.25, 1, 0, -1.25]
        dp = d.Zeros<float>(4);
        Loss.MseBackward(pred, target, dp);
        Assert.Equal([0.25f, 1f, 0f, -1.25f], dp.ToArray());
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void Gather_picks_and_scatters_one_value_per_row(string device)
    {
        var d = TestDevices.Get(device);
        var q = d.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var act = d.FromArray([2, 0], 2);
        var output = d.Zeros<float>(2);
        Gather.Forward(q, act, output);
        Assert.Equal([3f, 4f], output.ToArray());
        var dq = d.Zeros<float>(2, 3);
        Gather.Backward(d.FromArray([0.5f, -1f], 2), act, dq);
        Assert.Equal([0f, 0f, 0.5f, -1f, 0f, 0f], dq.ToArray());
    }

    [Fact]
    public void Gather_on_the_host_names_an_out_of_range_action()
    {
        var d = TestDevices.Get("cpu");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Gather.Forward(d.Zeros<float>(2, 3), d.FromArray([1, 3], 2), d.Zeros<float>(2)));
        Assert.Contains("actions[1] = 3", ex.Message);
    }

    [Fact]
    public void Gather_on_an_ilgpu_device_writes_nan_for_an_out_of_range_action()
    {
        var d = TestDevices.Get("ilgpu-cpu");
        var output = d.Zeros<float>(2);
        Gather.Forward(d.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3), d.FromArray([1, -1], 2), output);
        var got = output.ToArray();
        Assert.Equal(2f, got[0]);
        Assert.True(float.IsNaN(got[1]));
    }

    [Theory, ClassData(typeof(PresentDevices))]
    public void SumRows_and_bias_backward_add_columns_and_channels(string device)
    {
        var d = TestDevices.Get(device);
        var x = d.FromArray([1f, 2f, 3f, 10f, 20f, 30f], 2, 3);
        var o = d.FromArray([100f, 100f, 100f], 3);
        Reduce.SumRows(x, o, accumulate: true);
        Assert.Equal([111f, 122f, 133f], o.ToArray());
        Reduce.SumRows(x, o);
        Assert.Equal([11f, 22f, 33f], o.ToArray());
        // [N=2, C=2, H=1, W=2]: channel 0 = 1 + 2 + 5 + 6 = 14, channel 1 = 3 + 4 + 7 + 8 = 22
        var dy = d.FromArray([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f], 2, 2, 1, 2);
        var db = d.FromArray([1f, 1f], 2);
        BiasAdd.Backward(dy, db);
        Assert.Equal([15f, 23f], db.ToArray());
        BiasAdd.Forward(dy, d.FromArray([10f, 20f], 2));
        Assert.Equal([11f, 12f, 23f, 24f, 15f, 16f, 27f, 28f], dy.ToArray());
    }

    [Fact]
    public void Bad_shapes_are_named()
    {
        var d = TestDevices.Get("cpu");
        Assert.StartsWith("output has shape [2]", Assert.Throws<ArgumentException>(() => Reduce.SumRows(d.Zeros<float>(2, 3), d.Zeros<float>(2))).Message);
        Assert.Equal("result", Assert.Throws<ArgumentException>(() => Reduce.Sum(d.Zeros<float>(5), d.Zeros<float>(2))).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => Reduce.Mean(d.Zeros<float>(0), d.Zeros<float>(1))).ParamName);
        Assert.StartsWith("bias has shape [2]", Assert.Throws<ArgumentException>(() => BiasAdd.Forward(d.Zeros<float>(2, 3), d.Zeros<float>(2))).Message);
        Assert.Equal("loss", Assert.Throws<ArgumentException>(() => Loss.Huber(d.Zeros<float>(3), d.Zeros<float>(3), d.Zeros<float>(3))).ParamName);
    }
}
