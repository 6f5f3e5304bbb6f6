"""PyTorch on a GPU, the side-by-side anchor for GpuDqn's `cuda` device.

The same workloads and output format as ../shared/anchors/torch_dqn_anchor.py (that one is CPU-only)
and bench/anchors/conv_anchor.py, on torch.device("cuda"), with torch.cuda.synchronize() inside
each timed step so that a figure is the time until the GPU is done, as GpuDqn's Timing measures.
Run on the GPU machine: python3 bench/anchors/torch_gpu_anchor.py [updates|conv|gemm|all]
"""
import statistics, sys, time
import torch, torch.nn as nn, torch.nn.functional as F

dev = torch.device("cuda")
torch.manual_seed(0)
torch.backends.cudnn.benchmark = True


def timed(fn, reps, warm_s=2.0):
    t0 = time.perf_counter(); n = 0
    while n < reps or time.perf_counter() - t0 < warm_s:
        fn(); n += 1
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return ts


def mlp(obs, act, hidden=(120, 84)):
    layers, d = [], obs
    for h in hidden:
        layers += [nn.Linear(d, h), nn.ReLU()]; d = h
    return nn.Sequential(*layers, nn.Linear(d, act))


def minatar(c, act):
    return nn.Sequential(nn.Conv2d(c, 16, 3), nn.ReLU(), nn.Flatten(), nn.Linear(16 * 8 * 8, 128), nn.ReLU(), nn.Linear(128, act))


def nature(act):
    return nn.Sequential(nn.Conv2d(4, 32, 8, 4), nn.ReLU(), nn.Conv2d(32, 64, 4, 2), nn.ReLU(),
                         nn.Conv2d(64, 64, 3, 1), nn.ReLU(), nn.Flatten(), nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, act))


def update_bench(name, make, obs_shape, act, batch, double, reps):
    q, tq = make().to(dev), make().to(dev)
    tq.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=1e-4)
    s = torch.rand(batch, *obs_shape, device=dev); s2 = torch.rand(batch, *obs_shape, device=dev)
    a = torch.randint(0, act, (batch, 1), device=dev); r = torch.rand(batch, device=dev)
    d = (torch.rand(batch, device=dev) < 0.1).float()

    def step():
        with torch.no_grad():
            if double:
                nq = tq(s2).gather(1, q(s2).argmax(1, keepdim=True)).squeeze(1)
            else:
                nq = tq(s2).max(1).values
            y = r + 0.99 * nq * (1 - d)
        loss = F.smooth_l1_loss(q(s).gather(1, a).squeeze(1), y)
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(q.parameters(), 10.0); opt.step()

    m = statistics.median(timed(step, reps))
    one = torch.rand(1, *obs_shape, device=dev)
    with torch.no_grad():
        acts = timed(lambda: q(one).argmax(1).item(), reps, warm_s=0.5)
    print(f"{name}: update {m:.3f} ms ({1e3 / m:.0f} updates/s), act {statistics.median(acts) * 1e3:.0f} us", flush=True)


def updates():
    update_bench("cartpole-mlp(4-120-84-2) b128 dqn", lambda: mlp(4, 2), (4,), 2, 128, False, 500)
    update_bench("minatar(4x10x10,conv16,fc128,6) b32 ddqn", lambda: minatar(4, 6), (4, 10, 10), 6, 32, True, 300)
    update_bench("nature-cnn(4x84x84,6) b32 ddqn", lambda: nature(6), (4, 84, 84), 6, 32, True, 200)


def conv(batch=32):
    layers = [("nature1 4x84x84 -> 32 8x8 s4", 4, 84, 32, 8, 4, True),
              ("nature2 32x20x20 -> 64 4x4 s2", 32, 20, 64, 4, 2, False),
              ("nature3 64x9x9 -> 64 3x3 s1", 64, 9, 64, 3, 1, False),
              ("minatar 10x10x10 -> 16 3x3 s1", 10, 10, 16, 3, 1, True)]
    fmt = lambda ts: f"{statistics.median(ts):.3f} ms (min {ts[0]:.3f})"
    for name, c, h, k, r, stride, first in layers:
        x = torch.rand(batch, c, h, h, device=dev); w = torch.rand(k, c, r, r, device=dev); b = torch.rand(k, device=dev)
        y = F.conv2d(x, w, b, stride)
        dy = torch.rand_like(y)
        fwd = timed(lambda: F.conv2d(x, w, b, stride), 50, 0.5)
        mask = [not first, True, True]
        bwd = timed(lambda: torch.ops.aten.convolution_backward(dy, x, w, [k], [stride] * 2, [0, 0], [1, 1], False, [0, 0], 1, mask), 50, 0.5)
        print(f"{name}: forward {fmt(fwd)}, backward {fmt(bwd)} ({'dw,db' if first else 'dx,dw,db'})", flush=True)


GEMMS = [("nature fc1 fwd b32", 32, 512, 3136, False, True), ("nature fc1 dW b32", 512, 3136, 32, True, False),
         ("nature fc1 dx b32", 32, 3136, 512, False, False), ("nature fc2 fwd b32", 32, 6, 512, False, True),
         ("nature fc1 fwd b1", 1, 512, 3136, False, True), ("minatar fc1 fwd b32", 32, 128, 1024, False, True),
         ("minatar fc1 dW b32", 128, 1024, 32, True, False), ("minatar fc1 fwd b1", 1, 128, 1024, False, True),
         ("square 1024", 1024, 1024, 1024, False, False)]


def gemm():
    """The shapes of bench/GpuDqn.Bench/GemmThroughput.cs, fp32 (TF32 off, as GpuDqn computes)."""
    torch.backends.cuda.matmul.allow_tf32 = False
    for name, m, n, k, ta, tb in GEMMS:
        a = torch.rand(*((k, m) if ta else (m, k)), device=dev); b = torch.rand(*((n, k) if tb else (k, n)), device=dev)
        fa = (lambda: a.t()) if ta else (lambda: a); fb = (lambda: b.t()) if tb else (lambda: b)
        ts = timed(lambda: torch.mm(fa(), fb()), 200, 0.5)
        med = statistics.median(ts)
        print(f"{name} ({m}x{n}x{k}): {med * 1e3:.1f} us (min {ts[0] * 1e3:.1f}), {2 * m * n * k / (med * 1e-3) / 1e9:.1f} GFLOP/s", flush=True)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}", flush=True)
    if what in ("updates", "all"): updates()
    if what in ("conv", "all"): conv()
    if what in ("gemm", "all"): gemm()
