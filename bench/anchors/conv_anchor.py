"""PyTorch CPU anchor for GpuDqn's Conv2d: the Nature-DQN conv layers (and MinAtar's) at batch 32.

Set-up once (Debian packages): apt-get install -y python3-torch python3-numpy libopenblas0-pthread
Run with Debian's python3: /usr/bin/python3 bench/anchors/conv_anchor.py [threads] [batch]   (default 2 threads, batch 32)
Per layer it times, like bench/GpuDqn.Bench/Conv2dBench.cs:
  forward  = conv2d with bias (no ReLU; the bench's Forward has none either)
  backward = aten.convolution_backward for dw and db, plus dx except on the first layer
and the whole Nature stack forward+backward through autograd (with ReLUs). Median and minimum of
reps, in ms (on a shared, loaded machine the minimum is the steadier figure).
"""
import statistics, sys, time
import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 32
torch.set_num_threads(threads)
torch.manual_seed(0)

# name, C, H, W, K, R, stride, pad, first (no dx)
LAYERS = [
    ("nature1 4x84x84 -> 32 8x8 s4", 4, 84, 84, 32, 8, 4, 0, True),
    ("nature2 32x20x20 -> 64 4x4 s2", 32, 20, 20, 64, 4, 2, 0, False),
    ("nature3 64x9x9 -> 64 3x3 s1", 64, 9, 9, 64, 3, 1, 0, False),
    ("minatar 10x10x10 -> 16 3x3 s1", 10, 10, 10, 16, 3, 1, 0, True),
]


def timeit(fn, reps):
    for _ in range(max(3, reps // 10)):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return f"{statistics.median(ts) * 1e3:.3f} ms (min {min(ts) * 1e3:.3f})"


print(f"torch {torch.__version__}, {threads} threads, batch {batch}")
with torch.no_grad():
    for name, c, h, w, k, r, stride, pad, first in LAYERS:
        x = torch.rand(batch, c, h, w) * 2 - 1
        wt = torch.rand(k, c, r, r) * 2 - 1
        b = torch.rand(k) * 2 - 1
        y = F.conv2d(x, wt, b, stride, pad)
        dy = torch.rand_like(y) * 2 - 1
        fwd = timeit(lambda: F.conv2d(x, wt, b, stride, pad), 50)
        mask = [not first, True, True]
        bwd = timeit(lambda: torch.ops.aten.convolution_backward(dy, x, wt, [k], [stride, stride], [pad, pad], [1, 1], False, [0, 0], 1, mask), 50)
        print(f"{name}: forward {fwd}, backward {bwd} ({'dw,db' if first else 'dx,dw,db'})")

ws = [torch.rand(32, 4, 8, 8, requires_grad=True), torch.rand(64, 32, 4, 4, requires_grad=True), torch.rand(64, 64, 3, 3, requires_grad=True)]
bs = [torch.rand(32, requires_grad=True), torch.rand(64, requires_grad=True), torch.rand(64, requires_grad=True)]
x = torch.rand(batch, 4, 84, 84)


def stack():
    h = F.relu(F.conv2d(x, ws[0], bs[0], 4))
    h = F.relu(F.conv2d(h, ws[1], bs[1], 2))
    h = F.relu(F.conv2d(h, ws[2], bs[2], 1))
    h.sum().backward()


print(f"nature stack fwd+bwd (autograd, ReLUs): {timeit(stack, 30)}")
