#!/bin/bash
# Runs on a lent GPU machine (device tool), from the repository root, after bench/device/pack.sh
# here and with `.device` carried: the op self-test, the update/GEMM/conv/env benchmarks beside
# PyTorch on the same GPU, and training runs on the default device. Everything goes to
# $OUT/device.log; each step has its own time limit so that one hang cannot eat the lease.
# Usage: bash bench/device/run.sh [device=cuda] [step ...]   (no steps: all of them; names below)
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/gpudqn-out}; mkdir -p "$OUT"
dev=${1:-cuda}; shift || true
only=" $* "
log=$OUT/device.log
app=/tmp/gpudqn-app/app
mkdir -p /tmp/gpudqn-app && tar xzf .device/gpudqn.tar.gz -C /tmp/gpudqn-app
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0
step() {  # step NAME SECONDS COMMAND...   (skipped unless NAME, or the part before its last '-', was asked for)
  local name=$1 limit=$2; shift 2
  if [ "$only" != "  " ] && [[ "$only" != *" $name "* && "$only" != *" ${name%-*} "* ]]; then return; fi
  echo "=== $name [$(date -u +%T), limit ${limit}s] $*" >> "$log"
  local t0=$SECONDS
  timeout "$limit" "$@" >> "$log" 2>&1
  echo "=== $name: exit $?, $((SECONDS - t0)) s" >> "$log"
}
torch="python3 bench/anchors/torch_gpu_anchor.py"
echo "gpudqn $(cat .device/commit 2>/dev/null) on $(hostname), $(nproc) cores, $(date -u +%FT%TZ), steps:${only}" > "$log"
step gpu 20 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
step devices 30 "$app/gpudqn" devices
step selftest 150 "$app/gpudqn" selftest --device "$dev" --seed 1
# Side by side, alternating: GpuDqn, PyTorch, GpuDqn, PyTorch.
step updates-1 70 "$app/GpuDqn.Bench" updates "$dev"
step updates-torch1 70 $torch updates
step updates-2 70 "$app/GpuDqn.Bench" updates "$dev"
step updates-torch2 70 $torch updates
step gemm 60 "$app/GpuDqn.Bench" gemm "$dev"
step gemm-torch 40 $torch gemm
step conv 60 "$app/GpuDqn.Bench" conv "$dev" 32 parts
step conv-torch 40 $torch conv
# Per-kernel GPU times of a few Nature updates (Nsight Compute, when the machine has it).
ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)
[ -n "$ncu" ] && step profile 120 "$ncu" --clock-control none --metrics gpu__time_duration.sum --csv --log-file "$OUT/ncu-nature.csv" \
  --launch-skip 400 --launch-count 160 "$app/GpuDqn.Bench" updates "$dev" nature
step envs 90 "$app/GpuDqn.Bench" envs "$dev" 1
# README's main command: CartPole on the default device (auto picks the GPU).
step train-default 150 "$app/gpudqn" train --run-dir /tmp/runs/default
step train-minatar 90 "$app/gpudqn" train --env minatar-breakout --preset minatar --device "$dev" --steps 20000 --run-dir /tmp/runs/minatar
step train-nature 90 "$app/gpudqn" train --env pixels-breakout --preset nature --device "$dev" --steps 12000 --learning-starts 2000 --run-dir /tmp/runs/nature
# Same seed, same device, same result: two short runs' metrics without the SPS column.
step repeat-1 60 "$app/gpudqn" train --device "$dev" --seed 7 --steps 6000 --eval-every 3000 --run-dir /tmp/runs/repeat1
step repeat-2 60 "$app/gpudqn" train --device "$dev" --seed 7 --steps 6000 --eval-every 3000 --run-dir /tmp/runs/repeat2
# Last, as the least urgent: the H200 machine also lists an OpenCL device (PoCL on its Xeon),
# the only OpenCL device we have seen.
step selftest-opencl 150 "$app/gpudqn" selftest --device opencl --seed 1
for i in 1 2; do [ -f /tmp/runs/repeat$i/metrics.csv ] && cut -d, -f1-7 /tmp/runs/repeat$i/metrics.csv | md5sum; done >> "$log"
(cd /tmp && tar czf "$OUT/runs.tar.gz" runs/*/metrics.csv runs/*/config.json) 2>/dev/null
echo "=== done $(date -u +%T)" >> "$log"
tail -c 11000 "$log"
