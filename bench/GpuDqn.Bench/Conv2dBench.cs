using BenchmarkDotNet.Attributes;
using GpuDqn.Engine;
using GpuDqn.Kernels;

namespace GpuDqn.Bench;

/// <summary>
/// Conv2d forward and backward of the Nature-DQN conv layers at batch 32 on the host backend
/// (compare with bench/anchors/conv_anchor.py, PyTorch on 2 threads). Backward computes dw and
/// db, and dx except on the first layer (whose input is the observation). Forward has bias, no ReLU.
/// <c>dotnet run -c Release --project bench/GpuDqn.Bench -- --filter '*Conv2dBench*'</c>
/// (in-process: BenchmarkDotNet's out-of-process build times out when the 2 cores are busy).
/// </summary>
[InProcess, WarmupCount(3), IterationCount(15)]
[MinColumn, MedianColumn]
public class Conv2dBench
{
    public static IEnumerable<string> Layers => ["nature1", "nature2", "nature3"];

    [ParamsSource(nameof(Layers))]
    public string Layer { get; set; } = "nature1";

    [Params("cpu")]
    public string DeviceId { get; set; } = "cpu";

    [Params(32)]
    public int Batch { get; set; } = 32;

    private Conv2dLayer layer = null!;

    [GlobalSetup]
    public void Setup() => layer = Conv2dLayer.Create(Device.Create(DeviceId), Layer, Batch);

    [GlobalCleanup]
    public void Cleanup() => layer.Device.Dispose();

    [Benchmark]
    public void Forward()
    {
        layer.Forward();
        layer.Device.Synchronize();
    }

    [Benchmark]
    public void Backward()
    {
        layer.Backward();
        layer.Device.Synchronize();
    }

    /// <summary>
    /// The same product as Forward as ONE whole-batch GEMM (col [N·P·Q, C·R·S] · Wᵀ, the earlier host
    /// design); Forward now runs 32 per-image GEMMs W · colᵀ, so this is a GEMM-throughput reference only.
    /// </summary>
    [Benchmark]
    public void ForwardGemmOnly()
    {
        Gemm.Run(layer.Col, false, layer.W.Reshape(layer.W.Shape[0], -1), true, layer.Pix);
        layer.Device.Synchronize();
    }
}

/// <summary>The ILGPU CPU accelerator (parity backend, ~0.5 GFLOP/s): only MinAtar's small conv at batch 4.</summary>
[InProcess, WarmupCount(2), IterationCount(5)]
[MinColumn, MedianColumn]
public class Conv2dIlgpuCpuBench
{
    [Params("ilgpu-cpu", "cpu")]
    public string DeviceId { get; set; } = "ilgpu-cpu";

    private Conv2dLayer layer = null!;

    [GlobalSetup]
    public void Setup() => layer = Conv2dLayer.Create(Device.Create(DeviceId), "minatar", 4);

    [GlobalCleanup]
    public void Cleanup() => layer.Device.Dispose();

    [Benchmark]
    public void Forward()
    {
        layer.Forward();
        layer.Device.Synchronize();
    }

    [Benchmark]
    public void Backward()
    {
        layer.Backward();
        layer.Device.Synchronize();
    }
}

/// <summary>One conv layer's tensors on a device.</summary>
internal sealed class Conv2dLayer
{
    public required Device Device { get; init; }
    public required Tensor<float> X, W, B, Y, Dy, Dw, Db, Col, Pix;
    public Tensor<float>? Dx;
    public int Stride;

    public void Forward() => Conv2d.Forward(X, W, B, Y, Stride, 0);

    public void Backward() => Conv2d.Backward(X, W, Dy, Dx, Dw, Db, Stride, 0);

    public static Conv2dLayer Create(Device device, string name, int batch)
    {
        var (c, h, k, r, stride, first) = name switch
        {
            "nature1" => (4, 84, 32, 8, 4, true),
            "nature2" => (32, 20, 64, 4, 2, false),
            "nature3" => (64, 9, 64, 3, 1, false),
            "minatar" => (10, 10, 16, 3, 1, true),
            _ => throw new ArgumentException($"unknown layer '{name}'", nameof(name)),
        };
        int p = Conv2d.OutputSize(h, r, stride, 0);
        var rng = new Random(1);
        Tensor<float> Rand(params int[] shape) => device.FromArray(GpuDqn.SelfTest.Reference.Uniform(rng, Shape.Count(shape)), shape);
        return new Conv2dLayer
        {
            Device = device,
            X = Rand(batch, c, h, h),
            W = Rand(k, c, r, r),
            B = Rand(k),
            Y = device.Zeros<float>(batch, k, p, p),
            Dy = Rand(batch, k, p, p),
            Dx = first ? null : device.Zeros<float>(batch, c, h, h),
            Dw = device.Zeros<float>(k, c, r, r),
            Db = device.Zeros<float>(k),
            Col = Rand(batch * p * p, c * r * r),
            Pix = device.Zeros<float>(batch * p * p, k),
            Stride = stride,
        };
    }
}
