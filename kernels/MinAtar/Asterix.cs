namespace GpuDqn.Kernels.MinAtar;

/// <summary>
/// MinAtar Asterix (spec §4). State ints:
/// 0 player x, 1 player y, 2 spawn period, 3 spawn timer, 4 move period, 5 move timer,
/// 6 ramp countdown, 7 ramp index, 8 terminal (0/1),
/// 9..16 slot kind (0 empty, 1 enemy, 2 gold; slot k is row k + 1), 17..24 slot x, 25..32 slot direction (±1).
/// </summary>
public struct Asterix : IMinAtarGame
{
    public const int PlayerX = 0, PlayerY = 1, SpawnPeriod = 2, SpawnTimer = 3, MovePeriod = 4, MoveTimer = 5,
        RampCountdown = 6, Ramp = 7, Terminal = 8, SlotKind = 9, SlotX = 17, SlotDir = 25;
    public const int Slots = 8, Empty = 0, Enemy = 1, Gold = 2;
    public const int InitSpawnPeriod = 10, InitMovePeriod = 5, RampInterval = 100;

    public readonly int Channels => 4;
    public readonly int StateInts => 33;

    public readonly void Reset<TMem>(TMem s, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        s.Set(PlayerX, 5);
        s.Set(PlayerY, 5);
        s.Set(SpawnPeriod, InitSpawnPeriod);
        s.Set(SpawnTimer, InitSpawnPeriod);
        s.Set(MovePeriod, InitMovePeriod);
        s.Set(MoveTimer, InitMovePeriod);
        s.Set(RampCountdown, RampInterval);
        s.Set(Ramp, 0);
        s.Set(Terminal, 0);
        for (int k = 0; k < Slots; k++)
        {
            s.Set(SlotKind + k, Empty);
            s.Set(SlotX + k, 0);
            s.Set(SlotDir + k, 0);
        }
    }

    public readonly int Step<TMem>(TMem s, int action, ref EnvRandom rng, bool ramping) where TMem : struct, IStateMemory
    {
        if (s.Get(Terminal) != 0) return 0;
        int reward = 0, terminal = 0;

        // Spawn (pattern A).
        int spawnPeriod = s.Get(SpawnPeriod), spawnTimer = s.Get(SpawnTimer);
        if (spawnTimer == 0)
        {
            bool right = rng.Coin();
            bool gold = rng.Below(3) == 0;
            int empty = 0;
            for (int k = 0; k < Slots; k++) if (s.Get(SlotKind + k) == Empty) empty++;
            if (empty > 0)
            {
                int pick = rng.Below(empty);
                for (int k = 0; k < Slots; k++)
                {
                    if (s.Get(SlotKind + k) != Empty) continue;
                    if (pick == 0)
                    {
                        s.Set(SlotKind + k, gold ? Gold : Enemy);
                        s.Set(SlotX + k, right ? 0 : 9);
                        s.Set(SlotDir + k, right ? 1 : -1);
                    }
                    pick--;
                }
            }
            spawnTimer = spawnPeriod;
        }

        // Player.
        int px = s.Get(PlayerX), py = s.Get(PlayerY);
        if (action == 1) px = px > 0 ? px - 1 : 0;
        else if (action == 3) px = px < 9 ? px + 1 : 9;
        else if (action == 2) py = py > 1 ? py - 1 : 1;
        else if (action == 4) py = py < 8 ? py + 1 : 8;
        s.Set(PlayerX, px);
        s.Set(PlayerY, py);

        // Contact check: only the entity in the player's row can touch the player.
        int pk = py - 1;
        int kind = s.Get(SlotKind + pk);
        if (kind != Empty && s.Get(SlotX + pk) == px)
        {
            if (kind == Gold)
            {
                s.Set(SlotKind + pk, Empty);
                reward++;
            }
            else terminal = 1;
        }

        // Entity movement (pattern A).
        int movePeriod = s.Get(MovePeriod), moveTimer = s.Get(MoveTimer);
        if (moveTimer == 0)
        {
            moveTimer = movePeriod;
            for (int k = 0; k < Slots; k++)
            {
                int kk = s.Get(SlotKind + k);
                if (kk == Empty) continue;
                int x = s.Get(SlotX + k) + s.Get(SlotDir + k);
                s.Set(SlotX + k, x);
                if (x < 0 || x > 9) s.Set(SlotKind + k, Empty);
                else if (x == px && k + 1 == py)
                {
                    if (kk == Gold)
                    {
                        s.Set(SlotKind + k, Empty);
                        reward++;
                    }
                    else terminal = 1;
                }
            }
        }

        s.Set(SpawnTimer, spawnTimer - 1);
        s.Set(MoveTimer, moveTimer - 1);

        // Difficulty ramp.
        if (ramping && (spawnPeriod > 1 || movePeriod > 1))
        {
            int countdown = s.Get(RampCountdown);
            if (countdown >= 0) s.Set(RampCountdown, countdown - 1);
            else
            {
                int ramp = s.Get(Ramp);
                if (movePeriod > 1 && (ramp & 1) == 1) s.Set(MovePeriod, movePeriod - 1);
                if (spawnPeriod > 1) s.Set(SpawnPeriod, spawnPeriod - 1);
                s.Set(Ramp, ramp + 1);
                s.Set(RampCountdown, RampInterval);
            }
        }
        if (terminal != 0) s.Set(Terminal, 1);
        return reward;
    }

    public readonly bool IsTerminal<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Terminal) != 0;

    public readonly void Observe<TMem, TObs>(TMem s, ref TObs obs) where TMem : struct, IStateMemory where TObs : struct, IObservationWriter
    {
        obs.Set(0, s.Get(PlayerY), s.Get(PlayerX));
        for (int k = 0; k < Slots; k++)
        {
            int kind = s.Get(SlotKind + k);
            if (kind == Empty) continue;
            int x = s.Get(SlotX + k);
            obs.Set(kind == Gold ? 3 : 1, k + 1, x);
            int back = x - s.Get(SlotDir + k);
            if (back >= 0 && back <= 9) obs.Set(2, k + 1, back);
        }
    }

    public readonly int RampIndex<TMem>(TMem s) where TMem : struct, IStateMemory => s.Get(Ramp);
}
