using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Rl;

/// <summary>
/// ILGPU's CPU accelerator runs the kernels' .NET code directly, so it cannot show that the RL
/// kernels compile for a GPU. This compiles each of them to PTX (no GPU or driver needed) with
/// the CUDA device's context settings: generic IMem accessors, ref structs, MathF.Sin/Cos,
/// 64-bit CounterRng math and shared memory must all pass the CUDA backend.
/// </summary>
public class RlPtxTests
{
    [Theory]
    [InlineData(typeof(ArgmaxKernel), "RowsKernel")]
    [InlineData(typeof(EpsilonGreedyKernel), "SelectKernel")]
    [InlineData(typeof(TdLossKernel), "FusedKernel")]
    [InlineData(typeof(ReplayKernel), "AddKernel")]
    [InlineData(typeof(ReplayKernel), "SampleKernel")]
    [InlineData(typeof(CartPoleKernel), "ResetKernel")]
    [InlineData(typeof(CartPoleKernel), "StepKernel")]
    public void Kernel_compiles_to_ptx(Type type, string name)
    {
        var ptx = Ptx.Compile(Ptx.Kernel(type, name));
        Assert.Contains(".entry", ptx);
        if (type == typeof(CartPoleKernel) && name == "StepKernel")
            Assert.Matches("sin|cos", ptx);
    }
}
