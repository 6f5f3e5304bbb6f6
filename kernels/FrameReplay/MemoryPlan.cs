using GpuDqn.Engine;

namespace GpuDqn.Kernels.FrameReplay;

/// <summary>
/// The device memory a frame-once replay memory needs, and a check that it fits.
/// Per stored entry: one H x W uint8 frame plus <see cref="MetadataBytesPerEntry"/> bytes
/// (action int32, reward float32, flags byte). Atari at 1,000,000 entries: 7,065,000,000 bytes.
/// </summary>
public readonly record struct MemoryPlan(string What, long FrameBytes, long MetadataBytes)
{
    public const int MetadataBytesPerEntry = sizeof(int) + sizeof(float) + sizeof(byte);

    public long TotalBytes => FrameBytes + MetadataBytes;

    /// <summary>The plan of a <see cref="FrameReplayBuffer"/> of <paramref name="envs"/> streams of <paramref name="capacityPerEnv"/> entries.</summary>
    public static MemoryPlan ForFrameReplay(int envs, int capacityPerEnv, int frameHeight = 84, int frameWidth = 84)
    {
        if (envs < 1) throw new ArgumentOutOfRangeException(nameof(envs), envs, "envs must be >= 1");
        if (capacityPerEnv < 1) throw new ArgumentOutOfRangeException(nameof(capacityPerEnv), capacityPerEnv, "capacityPerEnv must be >= 1");
        if (frameHeight < 1 || frameWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(frameHeight), $"frame {frameHeight}x{frameWidth} must be non-empty");
        long entries = (long)envs * capacityPerEnv;
        return new MemoryPlan($"frame replay of {envs} x {capacityPerEnv:N0} entries of {frameHeight}x{frameWidth} frames",
            entries * frameHeight * frameWidth, entries * MetadataBytesPerEntry);
    }

    /// <summary>Throws when this plan does not fit <paramref name="device"/>.</summary>
    public void Check(Device device) => Check(device, TotalBytes, What);

    /// <summary>
    /// Throws <see cref="InsufficientMemoryException"/>, with the numbers, when
    /// <paramref name="totalBytes"/> exceeds <see cref="Device.MemoryBytes"/>.
    /// </summary>
    public static void Check(Device device, long totalBytes, string what = "the request")
    {
        ArgumentNullException.ThrowIfNull(device);
        if (totalBytes < 0) throw new ArgumentOutOfRangeException(nameof(totalBytes), totalBytes, "totalBytes must be >= 0");
        long have = device.MemoryBytes;
        if (totalBytes > have)
            throw new InsufficientMemoryException(
                $"{what} needs {Format(totalBytes)} but device {device.Id} ({device.Name}) has {Format(have)} in all; " +
                "reduce the capacity or the number of environments");
    }

    public static string Format(long bytes) => $"{bytes / 1e9:F2} GB ({bytes:N0} bytes)";

    public override string ToString() => $"{What}: frames {Format(FrameBytes)} + metadata {Format(MetadataBytes)} = {Format(TotalBytes)}";
}
