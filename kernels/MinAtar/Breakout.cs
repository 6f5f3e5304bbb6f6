namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// MinAtar Breakout (spec §2). State ints:
/// 0 paddle column, 1 ball x, 2 ball y, 3 ball dx (±1), 4 ball dy (±1), 5 trail x, 6 trail y,
/// 7 strike flag (0/1), 8 terminal (0/1), 9 brick bitmask (bit (row − 1) · 10 + x for rows 1–3).
/// </summary>
public struct Breakout : IMinAtarGame
{
    public const int PaddleX = 0, BallX = 1, BallY = 2, Dx = 3, Dy = 4, TrailX = 5, TrailY = 6, Strike = 7, Terminal = 8, Bricks = 9;
    /// <summary>All 30 cells of rows 1–3.</summary>
    public const int AllBricks = (1 << 30) - 1;

    public readonly int Channels => 4;
    public readonly int StateInts => 10;

    public readonly void Reset<TMem>(TMem s, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        bool heads = rng.Coin();
        int bx = heads ? 0 : 9;
        s.Set(PaddleX, 4);
        s.Set(BallX, bx);
        s.Set(BallY, 3);
        s.Set(Dx, heads ? 1 : -1);
        s.Set(Dy, 1);
        s.Set(TrailX, bx);
        s.Set(TrailY, 3);
        s.Set(Strike, 0);
        s.Set(Terminal, 0);
        s.Set(Bricks, AllBricks);
    }

    private static int BrickBit(int x, int y) => 1 << ((y - 1) * 10 + x);

    public readonly int Step<TMem>(TMem s, int action, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        if (s.Get(Terminal) != 0) return 0;
        int paddle = s.Get(PaddleX);
        if (action == 1) paddle = paddle > 0 ? paddle - 1 : 0;
        else if (action == 3) paddle = paddle < 9 ? paddle + 1 : 9;
        s.Set(PaddleX, paddle);

        int bx = s.Get(BallX), by = s.Get(BallY), dx = s.Get(Dx), dy = s.Get(Dy);
        int bricks = s.Get(Bricks);
        s.Set(TrailX, bx);
        s.Set(TrailY, by);
        int tx = bx + dx, ty = by + dy;
        if (tx < 0 || tx > 9)
        {
            tx = bx;
            dx = -dx;
        }
        int reward = 0, touched = 0;
        if (ty < 0)
        {
            ty = 0;
            dy = -dy;
        }
        else if (ty >= 1 && ty <= 3 && (bricks & BrickBit(tx, ty)) != 0)
        {
            touched = 1;
            if (s.Get(Strike) == 0)
            {
                reward = 1;
                bricks &= ~BrickBit(tx, ty);
                ty = by;
                dy = -dy;
            }
        }
        else if (ty == 9)
        {
            if (bricks == 0) bricks = AllBricks;
            if (paddle == bx)
            {
                dy = -dy;
                ty = by;
            }
            else if (paddle == tx)
            {
                dx = -dx;
                dy = -dy;
                ty = by;
            }
            else
            {
                s.Set(Terminal, 1);
            }
        }
        s.Set(Strike, touched);
        s.Set(Bricks, bricks);
        s.Set(BallX, tx);
        s.Set(BallY, ty);
        s.Set(Dx, dx);
        s.Set(Dy, dy);
        return reward;
    }

    public readonly bool IsTerminal<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Terminal) != 0;

    public readonly void Observe<TMem, TObs>(TMem s, ref TObs obs) where TMem : struct, IStateMemory where TObs : struct, IObservationWriter
    {
        obs.Set(0, 9, s.Get(PaddleX));
        obs.Set(1, s.Get(BallY), s.Get(BallX));
        obs.Set(2, s.Get(TrailY), s.Get(TrailX));
        int bricks = s.Get(Bricks);
        for (int i = 0; i < 30; i++)
            if (((bricks >> i) & 1) != 0) obs.Set(3, 1 + i / 10, i % 10);
    }

    public readonly int RampIndex<TMem>(TMem s) where TMem : struct, IStateMemory => -1;
}
