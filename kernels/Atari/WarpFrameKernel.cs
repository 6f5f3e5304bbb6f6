using GpuDqn.Engine;
using ILGPU;
using ILGPU.Runtime;

namespace GpuDqn.Kernels.Atari;

internal static class WarpFrameKernel
{
    /// <summary>
    /// Sizes of one warp. Coordinates are integers in units of 1/OH (rows) and 1/OW (columns):
    /// source row r spans [r·OH, (r+1)·OH), output row y spans [y·H, (y+1)·H); the overlap of the
    /// two is the exact weight of r in y, and the weights of one output pixel sum to H·W.
    /// </summary>
    internal readonly struct Geometry(int m, int h, int w, int oh, int ow, int pair)
    {
        public readonly int M = m, H = h, W = w, OH = oh, OW = ow, Pair = pair;
        public long FrameBytes => (long)H * W * 3;
        public long Denominator => (long)H * W * 1000;
    }

    private static void Kernel(ArrayView<byte> src, ArrayView<byte> dst, Geometry g)
    {
        int perFrame = g.OH * g.OW;
        int n = g.M * perFrame;
        long frameBytes = g.FrameBytes;
        long denom = g.Denominator;
        for (int i = Stride.Start; i < n; i += Stride.Step)
        {
            int m = i / perFrame;
            int rem = i - m * perFrame;
            int oy = rem / g.OW, ox = rem - oy * g.OW;
            long baseA = m * frameBytes * (g.Pair != 0 ? 2 : 1);
            long baseB = g.Pair != 0 ? baseA + frameBytes : baseA;
            int y0 = oy * g.H, y1 = y0 + g.H, x0 = ox * g.W, x1 = x0 + g.W;
            int r0 = y0 / g.OH, r1 = (y1 - 1) / g.OH, c0 = x0 / g.OW, c1 = (x1 - 1) / g.OW;
            long acc = 0;
            for (int r = r0; r <= r1; r++)
            {
                int wy = IntrinsicMath.Min((r + 1) * g.OH, y1) - IntrinsicMath.Max(r * g.OH, y0);
                long row = 0;
                for (int c = c0; c <= c1; c++)
                {
                    int wx = IntrinsicMath.Min((c + 1) * g.OW, x1) - IntrinsicMath.Max(c * g.OW, x0);
                    long p = ((long)r * g.W + c) * 3;
                    int red = IntrinsicMath.Max((int)src[baseA + p], (int)src[baseB + p]);
                    int green = IntrinsicMath.Max((int)src[baseA + p + 1], (int)src[baseB + p + 1]);
                    int blue = IntrinsicMath.Max((int)src[baseA + p + 2], (int)src[baseB + p + 2]);
                    row += (long)wx * (299 * red + 587 * green + 114 * blue);
                }
                acc += wy * row;
            }
            dst[i] = (byte)((acc + denom / 2) / denom);
        }
    }

    public static void Run(IlgpuDevice d, ArrayView<byte> src, ArrayView<byte> dst, Geometry g) =>
        d.Kernel("atari.warpframe", a => a.LoadStreamKernel<ArrayView<byte>, ArrayView<byte>, Geometry>(Kernel))
            (d.GridStride((long)g.M * g.OH * g.OW), src, dst, g);
}
