using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Gemm;

/// <summary>
/// When the ILGPU GEMM splits K (the op check "gemm 40x50x600" runs a split on every ILGPU
/// device; these pin down the choice for GPU-sized devices).
/// </summary>
public class GemmKernelTests
{
    [Theory]
    [InlineData(132, 8, 3136, 16)]    // H100/H200, Nature fc1 at batch 32: 8 tiles, long K
    [InlineData(132, 300, 3136, 1)]   // enough tiles already
    [InlineData(132, 8, 500, 3)]      // chunks at least 128 deep
    [InlineData(132, 8, 200, 1)]      // K too short to split
    [InlineData(1, 1, 600, 2)]        // ILGPU CPU accelerator (one multiprocessor), one tile
    [InlineData(1000, 1, 100000, GemmKernel.MaxSplits)]
    public void Splits_k_only_when_tiles_cannot_fill_the_device(int multiprocessors, long tiles, int k, int expected) =>
        Assert.Equal(expected, GemmKernel.Splits(multiprocessors, tiles, k));
}
