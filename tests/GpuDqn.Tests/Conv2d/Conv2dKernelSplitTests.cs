using GpuDqn.Kernels;
using Xunit;

namespace GpuDqn.Tests.Conv2dOp;

/// <summary>
/// When the ILGPU conv forward splits its C·R·S reduction (the op checks run the split path on
/// ilgpu-cpu's one-tile shapes; these pin down the choice for a GPU-sized device).
/// </summary>
public class Conv2dKernelSplitTests
{
    [Theory]
    [InlineData(132, 200, 256, 1, 256)]   // Nature conv1 at batch 32: 200 tiles fill an H200
    [InlineData(132, 41, 512, 6, 96)]     // Nature conv2 at batch 32: 41 tiles, 16 steps of 32 taps
    [InlineData(132, 25, 576, 9, 64)]     // Nature conv3 at batch 32
    [InlineData(132, 1, 576, 18, 32)]     // conv3 at batch 1: one step per chunk
    [InlineData(132, 7, 30, 1, 30)]       // a single step cannot split
    [InlineData(2, 1, 475, 4, 128)]       // ilgpu-cpu: a one-tile shape, the last chunk partial
    public void Splits_only_when_tiles_cannot_fill_the_device(int multiprocessors, long tiles, int crs, int splits, int chunk)
    {
        var sp = Conv2dKernel.ForwardSplit(multiprocessors, tiles, crs);
        Assert.Equal((splits, chunk), (sp.Splits, sp.Chunk));
        Assert.True((long)sp.Splits * sp.Chunk >= crs && (long)(sp.Splits - 1) * sp.Chunk < crs, "every tap in exactly one non-empty chunk");
    }
}
