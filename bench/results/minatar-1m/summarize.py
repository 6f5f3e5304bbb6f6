"""Summarise the 1M-frame MinAtar learning runs (issue #4) into a markdown table.

Usage: python3 bench/results/minatar-1m/summarize.py RUNS_DIR
RUNS_DIR holds one run directory per game and seed (<game>-seed<k>/metrics.csv, as written by
`gpudqn train --run-dir`). Prints, per run, the greedy evaluation return (20 episodes) every 100k
frames, the final and best evaluation and the wall time; then the mean over seeds per game.
"""
import csv, os, re, statistics, sys

root = sys.argv[1] if len(sys.argv) > 1 else "."
runs = {}
for name in sorted(os.listdir(root)):
    m = re.fullmatch(r"(\w+)-seed(\d+)", name)
    path = os.path.join(root, name, "metrics.csv")
    if not m or not os.path.exists(path):
        continue
    evals = [(int(r["step"]), float(r["episode_return"]), float(r["sps"]))
             for r in csv.DictReader(open(path)) if r["kind"] == "eval"]
    if not evals or evals[-1][0] < 1_000_000:
        continue
    runs.setdefault(m.group(1), []).append((int(m.group(2)), evals))

steps = list(range(100_000, 1_000_001, 100_000))
print("| game | seed | " + " | ".join(f"{s // 1000}k" for s in steps) + " | best | wall min |")
print("|---|---:|" + "---:|" * len(steps) + "---:|---:|")
for game, seeds in runs.items():
    for seed, evals in sorted(seeds):
        at = {s: r for s, r, _ in evals}
        wall = evals[-1][0] / evals[-1][2] / 60
        print(f"| {game} | {seed} | " + " | ".join(f"{at.get(s, float('nan')):.1f}" for s in steps)
              + f" | {max(r for _, r, _ in evals):.1f} | {wall:.0f} |")
print()
print("| game | seeds | mean eval at 1M (± sd over seeds) | mean best eval |")
print("|---|---:|---:|---:|")
for game, seeds in runs.items():
    final = [dict((s, r) for s, r, _ in ev)[1_000_000] for _, ev in seeds]
    best = [max(r for _, r, _ in ev) for _, ev in seeds]
    sd = statistics.stdev(final) if len(final) > 1 else 0.0
    print(f"| {game} | {len(final)} | {statistics.mean(final):.1f} ± {sd:.1f} | {statistics.mean(best):.1f} |")
