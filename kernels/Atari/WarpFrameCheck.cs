using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels.Atari;

/// <summary>
/// WarpFrame against a float64 reference (double luminance, double area weights). The result is
/// the max |difference| in gray levels; 1 is allowed for rounding ties that float64 sees as
/// x.4999.. or x.5000..1 where the exact integer arithmetic sees x.5.
/// </summary>
internal sealed class WarpFrameCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        var shapes = new (int m, int h, int w, int oh, int ow)[]
        {
            (1, 210, 160, 84, 84), (3, 210, 160, 84, 84), (2, 17, 13, 5, 7), (1, 9, 9, 9, 9), (4, 8, 12, 4, 3), (1, 7, 5, 1, 1),
        };
        foreach (var (m, h, w, oh, ow) in shapes)
            foreach (bool pair in new[] { false, true })
                yield return new OpCase(pair ? "atari.warpframe.maxpair" : "atari.warpframe", $"[{m},{(pair ? "2," : "")}{h},{w},3]->[{m},{oh},{ow}]",
                    (device, seed) => Run(device, seed, m, h, w, oh, ow, pair), Tolerance: 1.0);
    }

    private static double Run(Device device, int seed, int m, int h, int w, int oh, int ow, bool pair)
    {
        var rng = new Random(seed);
        int frames = pair ? 2 : 1;
        var src = new byte[m * frames * h * w * 3];
        rng.NextBytes(src);
        var tsrc = pair ? device.FromArray(src, m, 2, h, w, 3) : device.FromArray(src, m, h, w, 3);
        var tdst = device.Zeros<byte>(m, oh, ow);
        if (pair) WarpFrame.RunMaxOfPair(tsrc, tdst);
        else WarpFrame.Run(tsrc, tdst);
        var got = tdst.ToArray();
        double maxDiff = 0;
        for (int f = 0; f < m; f++)
        {
            var want = Reference(src, f * frames * h * w * 3, pair ? (f * 2 + 1) * h * w * 3 : -1, h, w, oh, ow);
            for (int i = 0; i < oh * ow; i++) maxDiff = Math.Max(maxDiff, Math.Abs(got[f * oh * ow + i] - want[i]));
        }
        return maxDiff;
    }

    /// <summary>Gray levels of one frame (max with a second frame at offset b when b &gt;= 0), float64 throughout.</summary>
    public static double[] Reference(byte[] src, int a, int b, int h, int w, int oh, int ow)
    {
        var lum = new double[h * w];
        for (int i = 0; i < h * w; i++)
        {
            double r = src[a + 3 * i], g = src[a + 3 * i + 1], bl = src[a + 3 * i + 2];
            if (b >= 0)
            {
                r = Math.Max(r, src[b + 3 * i]);
                g = Math.Max(g, src[b + 3 * i + 1]);
                bl = Math.Max(bl, src[b + 3 * i + 2]);
            }
            lum[i] = 0.299 * r + 0.587 * g + 0.114 * bl;
        }
        double sy = (double)h / oh, sx = (double)w / ow;
        var result = new double[oh * ow];
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                double y0 = oy * sy, y1 = (oy + 1) * sy, x0 = ox * sx, x1 = (ox + 1) * sx, acc = 0;
                for (int r = (int)Math.Floor(y0); r < Math.Min(h, (int)Math.Ceiling(y1)); r++)
                {
                    double wy = Math.Min(r + 1, y1) - Math.Max(r, y0);
                    for (int c = (int)Math.Floor(x0); c < Math.Min(w, (int)Math.Ceiling(x1)); c++)
                    {
                        double wx = Math.Min(c + 1, x1) - Math.Max(c, x0);
                        if (wy > 0 && wx > 0) acc += wy * wx * lum[r * w + c];
                    }
                }
                result[oy * ow + ox] = Math.Round(acc / (sy * sx), MidpointRounding.AwayFromZero);
            }
        return result;
    }
}
