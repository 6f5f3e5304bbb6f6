using GpuDqn.Engine;
using GpuDqn.Kernels;
using GpuDqn.Nn;

namespace GpuDqn.Bench;

/// <summary>
/// The conv2d workloads of bench/anchors/conv_anchor.py, printed in its format so the two run side
/// by side: per layer the forward (with bias) and the backward (dw, db, and dx except on a first
/// layer), then the Nature stack forward + backward through the tape with fused ReLUs (the issue's
/// target). Median and minimum ms of the repetitions, after a warm-up of at least a second (<see cref="Timing"/>).
/// Run: <c>dotnet run -c Release --project bench/GpuDqn.Bench -- conv [device] [batch]</c>.
/// </summary>
public static class ConvThroughput
{
    /// <param name="parts">Also time the backward's dw, db and dx apart.</param>
    public static void Run(string deviceId, int batch, bool parts = false)
    {
        using var device = Device.Create(deviceId);
        Console.WriteLine($"gpudqn on {device.Id}: {device.Name}, batch {batch}");
        var rng = new Random(0);
        Tensor<float> Rand(params int[] shape) => device.FromArray(SelfTest.Reference.Uniform(rng, Shape.Count(shape)), shape);
        (string Name, int C, int H, int K, int R, int Stride, bool First)[] layers =
        [
            ("nature1 4x84x84 -> 32 8x8 s4", 4, 84, 32, 8, 4, true),
            ("nature2 32x20x20 -> 64 4x4 s2", 32, 20, 64, 4, 2, false),
            ("nature3 64x9x9 -> 64 3x3 s1", 64, 9, 64, 3, 1, false),
            ("minatar 10x10x10 -> 16 3x3 s1", 10, 10, 16, 3, 1, true),
        ];
        foreach (var l in layers)
        {
            int p = Kernels.Conv2d.OutputSize(l.H, l.R, l.Stride, 0);
            var x = Rand(batch, l.C, l.H, l.H);
            var w = Rand(l.K, l.C, l.R, l.R);
            var b = Rand(l.K);
            var y = device.Zeros<float>(batch, l.K, p, p);
            var dy = Rand(batch, l.K, p, p);
            var dx = l.First ? null : device.Zeros<float>(batch, l.C, l.H, l.H);
            var dw = device.Zeros<float>(l.K, l.C, l.R, l.R);
            var db = device.Zeros<float>(l.K);
            string fwd = Time(device, () => Kernels.Conv2d.Forward(x, w, b, y, l.Stride, 0), 50);
            string bwd = Time(device, () => Kernels.Conv2d.Backward(x, w, dy, dx, dw, db, l.Stride, 0), 50);
            Console.WriteLine($"{l.Name}: forward {fwd}, backward {bwd} ({(l.First ? "dw,db" : "dx,dw,db")})");
            if (parts)
            {
                // The backward's parts, as differences from dw alone (medians, so only roughly additive).
                double dwOnly = Median(device, () => Kernels.Conv2d.Backward(x, w, dy, null, dw, null, l.Stride, 0));
                double withDb = Median(device, () => Kernels.Conv2d.Backward(x, w, dy, null, dw, db, l.Stride, 0));
                double withDx = dx is null ? dwOnly : Median(device, () => Kernels.Conv2d.Backward(x, w, dy, dx, dw, null, l.Stride, 0));
                Console.WriteLine($"  parts: dw {dwOnly:F3} ms, db {withDb - dwOnly:F3} ms{(dx is null ? "" : $", dx {withDx - dwOnly:F3} ms")}");
                if (dx is not null) DxPaths(device, () => Kernels.Conv2d.Backward(x, w, dy, dx, dw, null, l.Stride, 0));
            }
        }
        var stack = new Sequential([4, 84, 84], new Nn.Conv2d(4, 32, 8, 4), new Nn.Relu(), new Nn.Conv2d(32, 64, 4, 2), new Nn.Relu(),
            new Nn.Conv2d(64, 64, 3, 1), new Nn.Relu());
        var model = new Model(stack, device, 0);
        var acts = model.CreateActivations(batch, withGrads: true);
        var tape = new Tape();
        var input = Rand(batch, 4, 84, 84);
        string total = Time(device, () =>
        {
            model.ZeroGrad();
            acts.ZeroGrads();
            model.Forward(input, acts, tape);
            Params.Fill(acts.OutputGrad, 1f);   // d(sum of outputs)/d(outputs), as PyTorch's h.sum().backward()
            tape.Backward();
        }, 30);
        Console.WriteLine($"nature stack fwd+bwd (tape, ReLUs): {total}");
    }

    /// <summary>dw + dx with dx direct and through dcol + col2im, alternating 5 times (medians of each round).</summary>
    private static void DxPaths(Device device, Action dwDx)
    {
        var direct = new List<string>();
        var col = new List<string>();
        for (int round = 0; round < 5; round++)
        {
            direct.Add(Median(device, dwDx).ToString("F3"));
            Conv2dHostInputGrad.Disabled = true;
            try { col.Add(Median(device, dwDx).ToString("F3")); }
            finally { Conv2dHostInputGrad.Disabled = false; }
        }
        Console.WriteLine($"  dw+dx, dx direct: {string.Join(' ', direct)} ms; dx by dcol + col2im: {string.Join(' ', col)} ms");
    }

    private static double Median(Device device, Action op) => Timing.Median(Timing.Sorted(device, op, 50, warmSeconds: 0.3));

    private static string Time(Device device, Action op, int reps)
    {
        var ms = Timing.Sorted(device, op, reps, warmSeconds: 1);
        return $"{Timing.Median(ms):F3} ms (min {ms[0]:F3})";
    }
}
