using GpuDqn.Engine;

namespace GpuDqn.Kernels.Atari;

/// <summary>
/// The DQN "WarpFrame": RGB uint8 frames [M, H, W, 3] (Atari: 210 x 160) to grayscale uint8
/// [M, OH, OW] (default 84 x 84). Luminance 0.299 R + 0.587 G + 0.114 B, then area averaging
/// (every output pixel is the mean of the source area it covers, with exact fractional weights
/// for the partly covered source pixels: OpenCV's INTER_AREA for a downscale), rounded to the
/// nearest gray level (halves up). The sum is computed in exact integer arithmetic, so the host
/// and every ILGPU backend give the same bytes; only downscaling (OH &lt;= H, OW &lt;= W) is allowed.
/// </summary>
public static class WarpFrame
{
    /// <summary>The output side of the DQN literature.</summary>
    public const int Size = 84;

    /// <summary>frames [M, H, W, 3] to output [M, OH, OW].</summary>
    public static void Run(Tensor<byte> frames, Tensor<byte> output)
    {
        Check.Rank(frames, nameof(frames), 4);
        var g = Geometry(frames.Dim(0), frames.Dim(1), frames.Dim(2), frames.Dim(3), output, pair: false, nameof(frames));
        Dispatch(frames, output, g);
    }

    /// <summary>
    /// The max-pool and warp in one pass: pairs [M, 2, H, W, 3] (the last two raw frames of
    /// each environment) to output [M, OH, OW], where every source pixel is the channel-wise
    /// max of the pair (what <see cref="MaxPool2"/> would give) before the luminance.
    /// </summary>
    public static void RunMaxOfPair(Tensor<byte> pairs, Tensor<byte> output)
    {
        Check.Rank(pairs, nameof(pairs), 5);
        if (pairs.Dim(1) != 2)
            throw new ArgumentException($"{nameof(pairs)} has shape {Shape.Format(pairs.Shape)}; its second dimension must be 2 (the last two raw frames)");
        var g = Geometry(pairs.Dim(0), pairs.Dim(2), pairs.Dim(3), pairs.Dim(4), output, pair: true, nameof(pairs));
        Dispatch(pairs, output, g);
    }

    private static WarpFrameKernel.Geometry Geometry(int m, int h, int w, int channels, Tensor<byte> output, bool pair, string name)
    {
        if (channels != 3)
            throw new ArgumentException($"{name} must hold RGB frames (last dimension 3), got {channels} channels");
        Check.Rank(output, nameof(output), 3);
        if (output.Dim(0) != m)
            throw new ArgumentException($"{nameof(output)} has {output.Dim(0)} frames {Shape.Format(output.Shape)} but {name} has {m}");
        int oh = output.Dim(1), ow = output.Dim(2);
        if (h < 1 || w < 1 || oh < 1 || ow < 1 || oh > h || ow > w)
            throw new ArgumentException($"{nameof(output)} frame {oh}x{ow} must be non-empty and no larger than the source frame {h}x{w} (area averaging only downscales)");
        return new WarpFrameKernel.Geometry(m, h, w, oh, ow, pair ? 1 : 0);
    }

    private static void Dispatch(Tensor<byte> src, Tensor<byte> output, WarpFrameKernel.Geometry g)
    {
        Check.SameDevice(output.Device, src);
        if (g.M == 0) return;
        if (output.Device is IlgpuDevice d) WarpFrameKernel.Run(d, src.View, output.View, g);
        else WarpFrameHost.Run(HostArray.Of(src), src.Offset, HostArray.Of(output), output.Offset, g);
    }
}
