using GpuDqn.Engine;
using GpuDqn.SelfTest;

namespace GpuDqn.Kernels;

internal sealed class GatherCheck : IOpChecks
{
    public IEnumerable<OpCase> Cases()
    {
        var shapes = new (int b, int a)[] { (1, 1), (1, 6), (32, 4), (33, 18), (256, 3), (1000, 7) };
        foreach (var (b, a) in shapes)
        {
            yield return new OpCase("gather.forward", $"[{b}, {a}]", (device, seed) =>
            {
                var rng = new Random(seed);
                var q = Reference.Uniform(rng, (long)b * a);
                var act = Actions(rng, b, a);
                var output = device.Zeros<float>(b);
                Gather.Forward(device.FromArray(q, b, a), device.FromArray(act, b), output);
                var want = new double[b];
                for (int i = 0; i < b; i++) want[i] = q[i * a + act[i]];
                return Reference.MaxRelError(output.ToArray(), want);
            });
            yield return new OpCase("gather.backward", $"[{b}, {a}]", (device, seed) =>
            {
                var rng = new Random(seed);
                var dOut = Reference.Uniform(rng, b);
                var act = Actions(rng, b, a);
                var dq0 = Reference.Uniform(rng, (long)b * a);
                var dq = device.FromArray(dq0, b, a);
                Gather.Backward(device.FromArray(dOut, b), device.FromArray(act, b), dq);
                var want = Reference.ToDouble(dq0);
                for (int i = 0; i < b; i++) want[i * a + act[i]] += dOut[i];
                return Reference.MaxRelError(dq.ToArray(), want);
            });
        }
    }

    private static int[] Actions(Random rng, int b, int a)
    {
        var act = new int[b];
        for (int i = 0; i < b; i++) act[i] = rng.Next(a);
        if (b > 1) { act[0] = 0; act[^1] = a - 1; }  // both ends of the range
        return act;
    }
}
