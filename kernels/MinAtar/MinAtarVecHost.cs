namespace GpuDqn.Kernels.MinAtar;

/// <summary>The host path: the same wrapper and game code as the kernel, over managed arrays.</summary>
internal static class MinAtarVecHost
{
    /// <summary>Environments per host work chunk; below this a step runs on the calling thread.</summary>
    private const int MinChunk = 512;

    public static void Step<TGame>(int numEnvs, int[] state, int[] meta, int[] actions, long actionsOffset, int[] actionMap,
        float[] reward, long rewardOffset, byte[] terminated, long terminatedOffset,
        float[] obs, long obsOffset, float[]? nextObs, long nextObsOffset, ulong seed, float sticky, bool ramping)
        where TGame : struct, IMinAtarGame
    {
        int stateInts = default(TGame).StateInts, obsSize = default(TGame).Channels * 100;
        bool writeNext = nextObs is not null;
        float[] next = nextObs ?? obs;
        HostParallel.For(numEnvs, MinChunk, (start, end) =>
        {
            for (int e = (int)start; e < end; e++)
            {
                int action = actionMap[actions[actionsOffset + e]];
                var s = new ArrayMemory(state, e * stateInts);
                var m = new ArrayMemory(meta, e * MinAtarEnvCore.MetaInts);
                var o = new ArrayObservation(obs, obsOffset + (long)e * obsSize);
                var n = new ArrayObservation(next, nextObsOffset + (long)e * obsSize);
                int r = MinAtarEnvCore.StepEnv<TGame, ArrayMemory, ArrayObservation>(s, m, action, seed, (ulong)e, sticky, ramping, ref o, ref n, writeNext);
                reward[rewardOffset + e] = r >> 1;
                terminated[terminatedOffset + e] = (byte)(r & 1);
            }
        });
    }

    public static void Reset<TGame>(int numEnvs, int[] state, int[] meta, float[]? obs, long obsOffset, ulong seed, bool ramping)
        where TGame : struct, IMinAtarGame
    {
        int stateInts = default(TGame).StateInts, obsSize = default(TGame).Channels * 100;
        HostParallel.For(numEnvs, MinChunk, (start, end) =>
        {
            for (int e = (int)start; e < end; e++)
            {
                var s = new ArrayMemory(state, e * stateInts);
                MinAtarEnvCore.ResetEnv<TGame, ArrayMemory>(s, new ArrayMemory(meta, e * MinAtarEnvCore.MetaInts), seed, (ulong)e, ramping);
                if (obs is not null)
                {
                    var o = new ArrayObservation(obs, obsOffset + (long)e * obsSize);
                    MinAtarEnvCore.Observe<TGame, ArrayMemory, ArrayObservation>(s, ref o);
                }
            }
        });
    }

    public static void Observe<TGame>(int numEnvs, int[] state, float[] obs, long obsOffset) where TGame : struct, IMinAtarGame
    {
        int stateInts = default(TGame).StateInts, obsSize = default(TGame).Channels * 100;
        HostParallel.For(numEnvs, MinChunk, (start, end) =>
        {
            for (int e = (int)start; e < end; e++)
            {
                var o = new ArrayObservation(obs, obsOffset + (long)e * obsSize);
                MinAtarEnvCore.Observe<TGame, ArrayMemory, ArrayObservation>(new ArrayMemory(state, e * stateInts), ref o);
            }
        });
    }
}
