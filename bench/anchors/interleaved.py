"""GpuDqn's DQN update and the PyTorch anchor's, timed in alternating blocks of ~0.1 s inside one run.

The 2-core VM changes speed in windows of 1-5 s (bench/RESULTS.md), so two runs one after the
other (pairs.sh) can land in different windows and the ratio then says more about the windows than
about the code. Here both sides stay loaded and take turns: a block of our updates, a block of
PyTorch's, and so on, 5 ms apart (both sides' idle threads stop spinning by then). Each pair of
adjacent blocks saw the same window; its ratio is PyTorch's block median over ours.

The PyTorch side is the anchor's own network builder and the same step as its `bench` (targets
without grad, smooth L1, backward, clip_grad_norm_ 10, Adam 1e-4), on 2 threads, bound to the two
vCPUs (OMP_PROC_BIND=true; set OMP_PROC_BIND=false to see it unbound): unbound, after a block of
ours the scheduler often left both of its threads on one vCPU for 0.05-0.2 s, and its steps took
up to 10x longer (CartPole 12 ms against 1.2), which would flatter us.

Run with Debian's python3 (the one python3-torch installs into; it builds the bench first):
    python3 bench/anchors/interleaved.py [seconds=30] [workload=minatar|nature|cartpole] [device=cpu] [pairs]
(`pairs` also prints every block pair: seconds since the start, our block median, PyTorch's, the ratio.)
"""
import importlib.util, os, statistics, subprocess, sys, time

seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
workload = sys.argv[2] if len(sys.argv) > 2 else "minatar"
device = sys.argv[3] if len(sys.argv) > 3 else "cpu"
show_pairs = len(sys.argv) > 4 and sys.argv[4] == "pairs"
root = os.path.dirname(os.path.abspath(__file__)) + "/../.."

# Before torch loads libgomp (see the docstring); a value set by the caller wins.
os.environ.setdefault("OMP_PROC_BIND", "true")
# The anchor sets its thread count from sys.argv[1] when imported: give it its default, 2.
sys.argv = ["torch_dqn_anchor", "2"]
spec = importlib.util.spec_from_file_location("anchor", root + "/../shared/anchors/torch_dqn_anchor.py")
anchor = importlib.util.module_from_spec(spec)
spec.loader.exec_module(anchor)
torch, nn, F = anchor.torch, anchor.nn, anchor.F

# name filter (as the bench's `serve` takes it) -> the anchor's workload: builder, obs shape, actions, batch, double
WORKLOADS = {
    "cartpole": (lambda: anchor.mlp(4, 2), (4,), 2, 128, False),
    "minatar": (lambda: anchor.minatar(4, 6), (4, 10, 10), 6, 32, True),
    "nature": (lambda: anchor.nature(6), (4, 84, 84), 6, 32, True),
}
if workload not in WORKLOADS:
    sys.exit(f"interleaved.py: unknown workload '{workload}', expected one of {', '.join(WORKLOADS)}")
make, obs_shape, act, batch, double = WORKLOADS[workload]


def torch_step():
    """The anchor's `bench` step, line for line."""
    q, tq = make(), make()
    tq.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=1e-4)
    s = torch.rand(batch, *obs_shape); s2 = torch.rand(batch, *obs_shape)
    a = torch.randint(0, act, (batch, 1)); r = torch.rand(batch); d = (torch.rand(batch) < 0.1).float()

    def step():
        with torch.no_grad():
            if double:
                na = q(s2).argmax(1, keepdim=True)
                nq = tq(s2).gather(1, na).squeeze(1)
            else:
                nq = tq(s2).max(1).values
            y = r + 0.99 * nq * (1 - d)
        qa = q(s).gather(1, a).squeeze(1)
        loss = F.smooth_l1_loss(qa, y)
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(q.parameters(), 10.0); opt.step()
    return step


def torch_block(step, n):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1e3)
    return ts


subprocess.run(["dotnet", "build", "-c", "Release", root + "/bench/GpuDqn.Bench"], stdout=subprocess.DEVNULL, check=True)
dll = root + "/bench/GpuDqn.Bench/bin/Release/net10.0/GpuDqn.Bench.dll"
# With OMP_PROC_BIND, libgomp pins this (the master) thread to one vCPU, and a child inherits that:
# give ours every vCPU back, or it runs on one core.
ours = subprocess.Popen(["dotnet", dll, "serve", device, workload], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                        preexec_fn=lambda: os.sched_setaffinity(0, range(os.cpu_count())))


def ours_block(n):
    ours.stdin.write(f"0 {n}\n"); ours.stdin.flush()
    line = ours.stdout.readline()
    if not line:
        sys.exit("interleaved.py: the bench's serve mode exited")
    return [float(t) for t in line.split()]


ready = ours.stdout.readline().strip()  # after its 3 s warm-up
step = torch_step()
warm = time.perf_counter()
while time.perf_counter() - warm < 3.0:
    step()
# Blocks of ~0.1 s on each side.
n_ours = max(3, round(100 / statistics.median(ours_block(50))))
n_torch = max(3, round(100 / statistics.median(torch_block(step, 10))))
print(f"# {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {os.cpu_count()} cores, load {open('/proc/loadavg').read().split()[:3]}")
print(f"# {ready}; torch {torch.__version__}, threads {torch.get_num_threads()} (OMP_PROC_BIND={os.environ['OMP_PROC_BIND']}); workload {workload}; blocks of {n_ours} / {n_torch} updates")

all_ours, all_torch, ratios, pairs = [], [], [], []
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    time.sleep(0.005); o = ours_block(n_ours)
    time.sleep(0.005); t = torch_block(step, n_torch)
    all_ours += o; all_torch += t
    mo, mt = statistics.median(o), statistics.median(t)
    pairs.append((mo, mt)); ratios.append(mt / mo)
    if show_pairs:
        print(f"{time.perf_counter() - start:6.2f} s  {mo:8.3f}  {mt:8.3f}  {mt / mo:6.2f}x")
ours.stdin.close(); ours.wait()

mo, mt = statistics.median(all_ours), statistics.median(all_torch)
rs = sorted(ratios)
q = lambda p: rs[min(len(rs) - 1, int(p * len(rs)))]
print(f"gpudqn {mo:.3f} ms, torch {mt:.3f} ms: ratio of medians {mt / mo:.2f}x over {len(all_ours)} / {len(all_torch)} updates")
print(f"block pairs {len(rs)}: ratio min {rs[0]:.2f}x, p10 {q(0.1):.2f}x, median {q(0.5):.2f}x, max {rs[-1]:.2f}x; "
      f"under 5x: {sum(r < 5 for r in rs)}, under 1.5x: {sum(r < 1.5 for r in rs)}")
lo = min(range(len(pairs)), key=lambda i: ratios[i])
print(f"lowest pair: gpudqn {pairs[lo][0]:.3f} ms, torch {pairs[lo][1]:.3f} ms")
