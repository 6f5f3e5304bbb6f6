using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Kernels;

/// <summary>
/// The dense and conv kernels compiled to PTX for an H100/H200 (no GPU or driver needed): the
/// op checks run them on ILGPU's CPU accelerator, which executes their .NET code and cannot show
/// that the CUDA backend accepts their shared memory, barriers and sub-views. They ran on an H200
/// in session 6 (bench/RESULTS.md); this keeps kernels changed without a GPU at hand honest.
/// </summary>
public class LayerPtxTests
{
    [Theory]
    [InlineData(typeof(GemmKernel), "TiledKernel")]
    [InlineData(typeof(GemmKernel), "DotKernel")]
    [InlineData(typeof(GemmKernel), "NaiveKernel")]
    [InlineData(typeof(GemmKernel), "ReduceKernel")]
    [InlineData(typeof(Conv2dKernel), "ForwardKernel")]
    [InlineData(typeof(Conv2dKernel), "ForwardSumKernel")]
    [InlineData(typeof(Conv2dKernel), "WeightGradKernel")]
    [InlineData(typeof(Conv2dKernel), "SumPartialsKernel")]
    [InlineData(typeof(Conv2dKernel), "BiasGradKernel")]
    [InlineData(typeof(Conv2dKernel), "InputColKernel")]
    [InlineData(typeof(Conv2dKernel), "ColToImageKernel")]
    public void Kernel_compiles_to_ptx(Type type, string name)
    {
        var ptx = Ptx.Compile(Ptx.Kernel(type, name));
        Assert.Contains(".entry", ptx);
        bool usesSharedMemory = name is "TiledKernel" or "DotKernel" or "ForwardKernel" or "WeightGradKernel" or "BiasGradKernel" or "InputColKernel";
        Assert.Equal(usesSharedMemory, ptx.Contains(".shared"));
        Assert.Equal(usesSharedMemory, ptx.Contains("bar.sync"));
    }
}
