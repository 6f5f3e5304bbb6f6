#!/bin/bash
# Alternating side-by-side runs on this machine: GpuDqn, then the PyTorch anchor, N times.
# Usage: bench/anchors/pairs.sh updates|conv [pairs=3] [device=cpu]
# (updates: ../shared/anchors/torch_dqn_anchor.py; conv: bench/anchors/conv_anchor.py)
set -e
cd "$(dirname "$0")/../.."
what=${1:-updates}; pairs=${2:-3}; device=${3:-cpu}
dotnet build -c Release bench/GpuDqn.Bench > /dev/null
anchor=../shared/anchors/torch_dqn_anchor.py
[ "$what" = conv ] && anchor=bench/anchors/conv_anchor.py
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# How far apart the two vCPUs are right now (it swings the ratio: bench/RESULTS.md, session 3).
roundtrip() { [ "$(nproc)" -ge 2 ] && gcc -O2 bench/anchors/vcpu_roundtrip.c -o /tmp/vcpu_roundtrip -lpthread 2>/dev/null && /tmp/vcpu_roundtrip; true; }
roundtrip
# One PyTorch run first, discarded: its first run after other work is often several times slower.
/usr/bin/python3 "$anchor" > /dev/null
for i in $(seq "$pairs"); do
  echo "## pair $i"
  dotnet bench/GpuDqn.Bench/bin/Release/net10.0/GpuDqn.Bench.dll "$what" "$device"
  /usr/bin/python3 "$anchor" | grep -v '^gemm'
done
roundtrip
