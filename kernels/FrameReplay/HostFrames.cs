namespace GpuDqn.Kernels.FrameReplay;

/// <summary>
/// The frame store of a <see cref="FrameReplayBuffer"/> on the cpu device: whole frames in arrays of
/// at most <see cref="ChunkBytes"/> bytes, so the store can outgrow one .NET array (2 GB; the Nature
/// preset's 1M 84×84 frames are 7.06 GB) and is bounded only by the memory plan's check against
/// the machine's memory. Frame i lives in chunk i / FramesPerChunk.
/// </summary>
internal sealed class HostFrames
{
    /// <summary>Largest chunk in bytes (1 GiB); tests shrink it to a few frames to cross chunk edges.</summary>
    internal static long ChunkBytes { get; set; } = 1L << 30;

    private readonly byte[][] chunks;
    private readonly int pixels;

    public int FramesPerChunk { get; }
    public int ChunkCount => chunks.Length;

    public HostFrames(long frames, int pixels)
    {
        if (frames < 0) throw new ArgumentOutOfRangeException(nameof(frames), frames, "frames must be >= 0");
        if (pixels < 1) throw new ArgumentOutOfRangeException(nameof(pixels), pixels, "pixels must be >= 1");
        this.pixels = pixels;
        FramesPerChunk = (int)Math.Clamp(ChunkBytes / pixels, 1, Array.MaxLength / pixels);
        long count = Math.Max(1, (frames + FramesPerChunk - 1) / FramesPerChunk);
        chunks = new byte[count][];
        for (long c = 0; c < count; c++)
            chunks[c] = new byte[Math.Min(FramesPerChunk, frames - c * FramesPerChunk) * (long)pixels];
    }

    public Span<byte> Frame(int index) => chunks[index / FramesPerChunk].AsSpan(index % FramesPerChunk * pixels, pixels);
}
