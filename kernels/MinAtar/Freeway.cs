namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// MinAtar Freeway (spec §3). State ints:
/// 0 chicken row, 1 move cooldown, 2 steps left, 3 terminal (0/1),
/// 4..11 car x (car i in row i + 1), 12..19 car signed speed v (±1..±5), 20..27 car timer.
/// </summary>
public struct Freeway : IMinAtarGame
{
    public const int Row = 0, Cooldown = 1, StepsLeft = 2, Terminal = 3, CarX = 4, CarV = 12, CarTimer = 20;
    public const int Cars = 8, CooldownReload = 3, TimeLimit = 2500;

    public readonly int Channels => 7;
    public readonly int StateInts => 28;

    public readonly void Reset<TMem>(TMem s, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        for (int i = 0; i < Cars; i++) s.Set(CarX + i, 0);
        Randomize(s, ref rng);
        s.Set(Row, 9);
        s.Set(Cooldown, CooldownReload);
        s.Set(StepsLeft, TimeLimit);
        s.Set(Terminal, 0);
    }

    /// <summary>New speed, direction and timer for every car (reset and crossings); positions kept.</summary>
    private static void Randomize<TMem>(TMem s, ref EnvRandom rng) where TMem : struct, IStateMemory
    {
        for (int i = 0; i < Cars; i++)
        {
            int speed = rng.Below(5) + 1;
            bool right = rng.Coin();
            s.Set(CarV + i, right ? speed : -speed);
            s.Set(CarTimer + i, speed);
        }
    }

    public readonly int Step<TMem>(TMem s, int action, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        if (s.Get(Terminal) != 0) return 0;
        int row = s.Get(Row), cooldown = s.Get(Cooldown);
        if (action == 2 && cooldown == 0)
        {
            cooldown = CooldownReload;
            row = row > 0 ? row - 1 : 0;
        }
        else if (action == 4 && cooldown == 0)
        {
            cooldown = CooldownReload;
            row = row < 9 ? row + 1 : 9;
        }
        int reward = 0;
        if (row == 0)
        {
            reward = 1;
            Randomize(s, ref rng);
            row = 9;
        }
        for (int i = 0; i < Cars; i++)
        {
            int x = s.Get(CarX + i);
            if (x == 4 && row == i + 1) row = 9;
            int timer = s.Get(CarTimer + i);
            if (timer == 0)
            {
                int v = s.Get(CarV + i);
                s.Set(CarTimer + i, v > 0 ? v : -v);
                x += v > 0 ? 1 : -1;
                if (x < 0) x = 9;
                else if (x > 9) x = 0;
                s.Set(CarX + i, x);
                if (x == 4 && row == i + 1) row = 9;
            }
            else
            {
                s.Set(CarTimer + i, timer - 1);
            }
        }
        if (cooldown > 0) cooldown--;
        int left = s.Get(StepsLeft) - 1;
        s.Set(StepsLeft, left);
        if (left < 0) s.Set(Terminal, 1);
        s.Set(Row, row);
        s.Set(Cooldown, cooldown);
        return reward;
    }

    public readonly bool IsTerminal<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Terminal) != 0;

    public readonly void Observe<TMem, TObs>(TMem s, ref TObs obs) where TMem : struct, IStateMemory where TObs : struct, IObservationWriter
    {
        obs.Set(0, s.Get(Row), 4);
        for (int i = 0; i < Cars; i++)
        {
            int x = s.Get(CarX + i), v = s.Get(CarV + i);
            obs.Set(1, i + 1, x);
            int speed = v > 0 ? v : -v;
            int back = v > 0 ? x - 1 : x + 1;
            if (back < 0) back = 9;
            else if (back > 9) back = 0;
            obs.Set(1 + speed, i + 1, back);
        }
    }

    public readonly int RampIndex<TMem>(TMem s) where TMem : struct, IStateMemory => -1;
}
