using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GpuDqn.Kernels;

/// <summary>AVX transposes for the host kernels' packing and epilogues (callers check <c>Avx.IsSupported</c>).</summary>
internal static unsafe class HostTranspose
{
    /// <summary>dst[j·ldd + i] = src[i·lds + j] for an 8×8 block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Block8x8(float* src, long lds, float* dst, long ldd)
    {
        var r0 = Vector256.Load(src); var r1 = Vector256.Load(src + lds);
        var r2 = Vector256.Load(src + 2 * lds); var r3 = Vector256.Load(src + 3 * lds);
        var r4 = Vector256.Load(src + 4 * lds); var r5 = Vector256.Load(src + 5 * lds);
        var r6 = Vector256.Load(src + 6 * lds); var r7 = Vector256.Load(src + 7 * lds);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x20), dst);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x20), dst + ldd);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x20), dst + 2 * ldd);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x20), dst + 3 * ldd);
        Vector256.Store(Avx.Permute2x128(u0, u4, 0x31), dst + 4 * ldd);
        Vector256.Store(Avx.Permute2x128(u1, u5, 0x31), dst + 5 * ldd);
        Vector256.Store(Avx.Permute2x128(u2, u6, 0x31), dst + 6 * ldd);
        Vector256.Store(Avx.Permute2x128(u3, u7, 0x31), dst + 7 * ldd);
    }

    /// <summary>dst [cols, rows] = src [rows, cols]ᵀ: 8×8 blocks, then the ragged edges.</summary>
    public static void Matrix(float* src, int rows, int cols, float* dst)
    {
        int r0 = 0;
        if (Avx.IsSupported)
            for (; r0 + 8 <= rows; r0 += 8)
            {
                int c0 = 0;
                for (; c0 + 8 <= cols; c0 += 8) Block8x8(src + (long)r0 * cols + c0, cols, dst + (long)c0 * rows + r0, rows);
                for (; c0 < cols; c0++)
                    for (int r = r0; r < r0 + 8; r++) dst[(long)c0 * rows + r] = src[(long)r * cols + c0];
            }
        for (; r0 < rows; r0++)
            for (int c = 0; c < cols; c++) dst[(long)c * rows + r0] = src[(long)r0 * cols + c];
    }
}
