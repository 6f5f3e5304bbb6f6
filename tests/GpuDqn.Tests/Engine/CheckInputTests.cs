using GpuDqn.Engine;
using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Engine;

/// <summary>The shared op argument checks (kernels/Common/Check.cs) and Shape.Count on bad input.</summary>
public class CheckInputTests
{
    private static Device Cpu => TestDevices.Get("cpu");

    [Fact]
    public void Gemm_with_a_null_tensor_names_it()
    {
        var b = Cpu.Zeros<float>(3, 4);
        var c = Cpu.Zeros<float>(2, 4);
        Assert.Equal("a", Assert.Throws<ArgumentNullException>(() => GpuDqn.Kernels.Gemm.Run(null!, false, b, false, c)).ParamName);
        Assert.Equal("c", Assert.Throws<ArgumentNullException>(() => GpuDqn.Kernels.Gemm.Run(Cpu.Zeros<float>(2, 3), false, b, false, null!)).ParamName);
    }

    [Fact]
    public void Ops_that_read_an_output_tensor_first_name_it_when_null()
    {
        var x = Cpu.Zeros<float>(2, 3, 6, 6);
        var w = Cpu.Zeros<float>(4, 3, 3, 3);
        var v = Cpu.Zeros<float>(5);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => Conv2d.Forward(x, w, null, null!, 1, 0)).ParamName);
        Assert.Equal("dw", Assert.Throws<ArgumentNullException>(() => Conv2d.Backward(x, w, Cpu.Zeros<float>(2, 4, 4, 4), null, null!, null, 1, 0)).ParamName);
        Assert.Equal("loss", Assert.Throws<ArgumentNullException>(() => Loss.Mse(v, v, null!)).ParamName);
        Assert.Equal("scratch", Assert.Throws<ArgumentNullException>(() => GradNorm.Norm(v, null!)).ParamName);
        Assert.Equal("t", Assert.Throws<ArgumentNullException>(() => Params.Scale(null!, 2f)).ParamName);
    }

    [Fact]
    public void Adam_with_a_null_grad_names_it()
    {
        var p = Cpu.Zeros<float>(5);
        var e = Assert.Throws<ArgumentNullException>(() => Adam.Step(p, null!, Cpu.Zeros<float>(5), Cpu.Zeros<float>(5), new AdamConfig(), 1));
        Assert.Equal("grad", e.ParamName);
    }

    [Fact]
    public void Each_check_names_its_null_argument()
    {
        var t = Cpu.Zeros<float>(2);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Check.Shape<float>(null!, "x", 2)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Check.Rank<float>(null!, "x", 1)).ParamName);
        Assert.Equal("first", Assert.Throws<ArgumentNullException>(() => Check.SameLength<float, float>(null!, "first", t, "second")).ParamName);
        Assert.Equal("second", Assert.Throws<ArgumentNullException>(() => Check.SameLength<float, int>(t, "first", null!, "second")).ParamName);
    }

    [Fact]
    public void SameDevice_still_accepts_null_optional_tensors()
    {
        var t = Cpu.Zeros<float>(2);
        Check.SameDevice(Cpu, t, null!, Cpu.Zeros<int>(1));
    }

    [Fact]
    public void Two_device_instances_with_one_id_are_called_that()
    {
        using var other = new HostDevice();
        var e = Assert.Throws<ArgumentException>(() => Check.SameDevice(Cpu, other.Zeros<float>(2)));
        Assert.Contains("two different Device instances with the same id 'cpu'", e.Message);
    }

    [Fact]
    public void Devices_with_different_ids_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => Check.SameDevice(Cpu, TestDevices.Get("ilgpu-cpu").Zeros<float>(2)));
        Assert.Contains("tensors on different devices: cpu and ilgpu-cpu", e.Message);
    }

    [Fact]
    public void Shape_count_refuses_a_product_that_overflows_a_long()
    {
        var e = Assert.Throws<ArgumentException>(() => Shape.Count([65536, 65536, 65536, 65536]));
        Assert.Equal("shape", e.ParamName);
        Assert.Contains("[65536, 65536, 65536, 65536]", e.Message);
        // Before, this wrapped to a tensor of Length 0.
        Assert.Throws<ArgumentException>(() => Cpu.Zeros<float>(65536, 65536, 65536, 65536));
    }

    [Fact]
    public void Shape_count_is_exact_up_to_the_limit_and_refuses_negative_dimensions()
    {
        Assert.Equal((long)int.MaxValue * int.MaxValue, Shape.Count([int.MaxValue, int.MaxValue]));
        Assert.Equal(0, Shape.Count([0, 5, 7]));
        Assert.Equal(1, Shape.Count([]));
        var e = Assert.Throws<ArgumentException>(() => Shape.Count([3, -2]));
        Assert.Contains("negative dimension -2 in shape [3, -2]", e.Message);
    }
}
