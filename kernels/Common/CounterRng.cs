namespace GpuDqn.Kernels;

/// <summary>
/// A counter-based random number generator: every draw is a pure function of
/// (seed, stream, counter), so a kernel thread and the host loop get identical numbers
/// with no generator state to carry. The mixer is SplitMix64's finaliser, applied to the
/// packed key twice.
/// </summary>
public static class CounterRng
{
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64 random bits for the given seed, stream (e.g. environment index) and counter (e.g. step).</summary>
    public static ulong Bits(ulong seed, ulong stream, ulong counter) =>
        Mix(Mix(seed * 0x9E3779B97F4A7C15UL + stream) ^ (counter * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL));

    /// <summary>A float uniform in [0, 1), 24 random bits.</summary>
    public static float Uniform(ulong seed, ulong stream, ulong counter) =>
        (Bits(seed, stream, counter) >> 40) * (1.0f / 16777216.0f);

    /// <summary>An integer uniform in [0, n) (Lemire's multiply-shift; n &lt; 2^32).</summary>
    public static int Below(ulong seed, ulong stream, ulong counter, int n) =>
        (int)(((Bits(seed, stream, counter) >> 32) * (ulong)n) >> 32);
}
