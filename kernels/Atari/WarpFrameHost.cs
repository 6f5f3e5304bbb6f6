namespace GpuDqn.Kernels.Atari;

internal static class WarpFrameHost
{
    // The same integer arithmetic as WarpFrameKernel (see its Geometry), so the bytes agree exactly.
    public static void Run(byte[] src, long srcOffset, byte[] dst, long dstOffset, WarpFrameKernel.Geometry g)
    {
        long rows = (long)g.M * g.OH;
        HostParallel.For(rows, Math.Max(1, 4096 / g.OW), (start, end) =>
        {
            for (long row = start; row < end; row++)
                Row(src, srcOffset, dst, dstOffset, g, (int)(row / g.OH), (int)(row % g.OH));
        });
    }

    private static void Row(byte[] src, long srcOffset, byte[] dst, long dstOffset, WarpFrameKernel.Geometry g, int m, int oy)
    {
        long frameBytes = g.FrameBytes, denom = g.Denominator;
        long a = srcOffset + m * frameBytes * (g.Pair != 0 ? 2 : 1);
        long b = g.Pair != 0 ? a + frameBytes : a;
        long o = dstOffset + ((long)m * g.OH + oy) * g.OW;
        int y0 = oy * g.H, y1 = y0 + g.H;
        int r0 = y0 / g.OH, r1 = (y1 - 1) / g.OH;
        for (int ox = 0; ox < g.OW; ox++)
        {
            int x0 = ox * g.W, x1 = x0 + g.W;
            int c0 = x0 / g.OW, c1 = (x1 - 1) / g.OW;
            long acc = 0;
            for (int r = r0; r <= r1; r++)
            {
                int wy = Math.Min((r + 1) * g.OH, y1) - Math.Max(r * g.OH, y0);
                long row = 0;
                for (int c = c0; c <= c1; c++)
                {
                    int wx = Math.Min((c + 1) * g.OW, x1) - Math.Max(c * g.OW, x0);
                    long p = ((long)r * g.W + c) * 3;
                    int red = Math.Max(src[a + p], src[b + p]);
                    int green = Math.Max(src[a + p + 1], src[b + p + 1]);
                    int blue = Math.Max(src[a + p + 2], src[b + p + 2]);
                    row += (long)wx * (299 * red + 587 * green + 114 * blue);
                }
                acc += wy * row;
            }
            dst[o + ox] = (byte)((acc + denom / 2) / denom);
        }
    }
}
