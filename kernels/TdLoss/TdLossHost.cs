namespace GpuDqn.Kernels;

/// <summary>
/// Host TD loss: the kernel's exact schedule on one thread (batches are small): 256 partial
/// sums in the kernel's sample order, joined in the same index order, so results equal ILGPU's bit for bit.
/// </summary>
internal static class TdLossHost
{
    public static void Run(ArrayMem<float> q, ArrayMem<float> qNext, ArrayMem<float> qOnline, ArrayMem<int> actions,
        ArrayMem<float> returns, ArrayMem<float> discounts, ArrayMem<float> tdError, ArrayMem<float> dq,
        ArrayMem<float> lossOut, ArrayMem<float> meanQ, TdArgs p)
    {
        const int G = TdLoss.GroupSize;
        Span<float> sl = stackalloc float[G];
        Span<float> sq = stackalloc float[G];
        for (int t = 0; t < G; t++)
        {
            float accL = 0f, accQ = 0f;
            for (int b = t; b < p.B; b += G)
            {
                TdLossCore.Sample(q, qNext, qOnline, actions, returns, discounts, tdError, dq, b, p, out float l, out float qsa);
                accL += l;
                accQ += qsa;
            }
            sl[t] = accL;
            sq[t] = accQ;
        }
        float sumL = 0f, sumQ = 0f;
        for (int t = 0; t < G; t++)
        {
            sumL += sl[t];
            sumQ += sq[t];
        }
        lossOut.Set(0, sumL / p.B);
        meanQ.Set(0, sumQ / p.B);
    }
}
