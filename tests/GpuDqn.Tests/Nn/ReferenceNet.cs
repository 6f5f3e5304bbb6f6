using GpuDqn.Nn;

namespace GpuDqn.Tests.Nn;

/// <summary>A plain float64 forward pass of a <see cref="Sequential"/>, for finite differences.</summary>
internal static class ReferenceNet
{
    /// <param name="reluMasks">per layer, for a ReLU: pass exactly the units where this array is &gt; 0 (a
    /// device forward's ReLU outputs), so the pass is the network's linear piece around that forward</param>
    /// <param name="reluInputs">when given, receives each ReLU's input, in layer order</param>
    public static double[] Forward(Sequential net, double[] p, double[] x, int batch,
        IReadOnlyList<float[]?>? reluMasks = null, List<double[]>? reluInputs = null)
    {
        double[] a = x;
        for (int i = 0; i < net.Layers.Count; i++)
        {
            var layer = net.Layers[i];
            long off = layer.ParameterOffset;
            if (layer is GpuDqn.Nn.Relu) reluInputs?.Add(a);
            a = layer switch
            {
                Linear l => Linear(l, p, off, a, batch),
                GpuDqn.Nn.Conv2d c => Conv(c, p, off, a, batch),
                GpuDqn.Nn.Relu when reluMasks?[i] is { } mask => a.Select((v, j) => mask[j] > 0 ? v : 0).ToArray(),
                GpuDqn.Nn.Relu => a.Select(v => Math.Max(v, 0)).ToArray(),
                Flatten => a,
                _ => throw new NotSupportedException(layer.GetType().Name),
            };
        }
        return a;
    }

    private static double[] Linear(Linear l, double[] p, long off, double[] x, int batch)
    {
        int i_ = l.InFeatures, o_ = l.OutFeatures;
        var y = new double[batch * o_];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < o_; o++)
            {
                double acc = p[off + (long)o_ * i_ + o];
                for (int i = 0; i < i_; i++) acc += x[n * i_ + i] * p[off + (long)o * i_ + i];
                y[n * o_ + o] = acc;
            }
        return y;
    }

    private static double[] Conv(GpuDqn.Nn.Conv2d c, double[] p, long off, double[] x, int batch)
    {
        int C = c.InChannels, K = c.OutChannels, R = c.KernelSize, s = c.Stride, pad = c.Padding;
        int H = c.InputShape[1], W = c.InputShape[2], P = c.OutputShape[1], Q = c.OutputShape[2];
        long wCount = (long)K * C * R * R;
        var y = new double[batch * K * P * Q];
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < K; k++)
                for (int py = 0; py < P; py++)
                    for (int qx = 0; qx < Q; qx++)
                    {
                        double acc = p[off + wCount + k];
                        for (int ch = 0; ch < C; ch++)
                            for (int r = 0; r < R; r++)
                            {
                                int iy = py * s - pad + r;
                                if (iy < 0 || iy >= H) continue;
                                for (int t = 0; t < R; t++)
                                {
                                    int ix = qx * s - pad + t;
                                    if (ix < 0 || ix >= W) continue;
                                    acc += x[((n * C + ch) * H + iy) * W + ix] * p[off + ((k * C + ch) * R + r) * R + t];
                                }
                            }
                        y[((n * K + k) * P + py) * Q + qx] = acc;
                    }
        return y;
    }
}
