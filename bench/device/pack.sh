#!/bin/bash
# Builds what a lent GPU machine needs (it has no .NET): the CLI and the bench program published
# self-contained for linux-x64 into one folder, packed as .device/gpudqn.tar.gz (git-ignored; the
# device tool's `carry` takes it). Then, through the device tool: bash bench/device/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf .pub .device && mkdir -p .device
for p in src/GpuDqn.Cli bench/GpuDqn.Bench; do
  dotnet publish "$p" -c Release -r linux-x64 --self-contained -o .pub/app -p:DebugType=none > /dev/null
done
tar czf .device/gpudqn.tar.gz -C .pub app
git rev-parse --short HEAD > .device/commit
du -h .device/gpudqn.tar.gz
