namespace GpuDqn.Kernels;

internal static class GatherHost
{
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<int> actions, Span<float> output, int a)
    {
        for (int b = 0; b < output.Length; b++) output[b] = q[b * a + Action(actions, b, a)];
    }

    public static void Backward(ReadOnlySpan<float> dOut, ReadOnlySpan<int> actions, Span<float> dQ, int a)
    {
        for (int b = 0; b < dOut.Length; b++) dQ[b * a + Action(actions, b, a)] += dOut[b];
    }

    private static int Action(ReadOnlySpan<int> actions, int b, int a)
    {
        int act = actions[b];
        if ((uint)act >= (uint)a)
            throw new ArgumentOutOfRangeException(nameof(actions), $"actions[{b}] = {act} is outside [0, {a})");
        return act;
    }
}
