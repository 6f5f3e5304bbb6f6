namespace GpuDqn.Kernels;

/// <summary>
/// A register tile's size as a type: a SIMD kernel generic over these gets one JIT-compiled loop per
/// size, with the tests on <c>Value</c> folded away and the unused accumulators gone, instead of one
/// hand-copied kernel per shape (the AVX2 GEMM's 16- and 24-wide halves, the conv row tiles).
/// </summary>
internal interface ITileCount
{
    static abstract int Value { get; }
}

internal struct One : ITileCount { public static int Value => 1; }
internal struct Two : ITileCount { public static int Value => 2; }
internal struct Three : ITileCount { public static int Value => 3; }
internal struct Four : ITileCount { public static int Value => 4; }
internal struct Six : ITileCount { public static int Value => 6; }
