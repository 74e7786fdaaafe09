#!/usr/bin/env bash
# Whole-command benchmark: wall time and peak memory of `kubeward scan
# manifests -o json` on generated corpora of 1k, 10k and 100k objects.
# Usage: scripts/bench.sh [runs]   (default 5 runs each; prints the median)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/kubeward" ./cmd/kubeward
go build -o "$tmp/corpus" ./cmd/kubeward-corpus
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "go: $(go version | cut -d' ' -f3)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-9s %-9s %-10s %-12s %-12s\n" objects size "median s" "median CPU s" "peak RSS MB"
for n in 1000 10000 100000; do
  "$tmp/corpus" -objects "$n" > "$tmp/c.yaml"
  size=$(du -h "$tmp/c.yaml" | cut -f1)
  : > "$tmp/times"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %U %S %M" -a -o "$tmp/times" "$tmp/kubeward" scan manifests -o json --fail-on critical "$tmp/c.yaml" > /dev/null || true
  done
  # /usr/bin/time also writes "Command exited with non-zero status" lines: keep the figures.
  grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$tmp/times" | sort -n | awk -v n="$n" -v s="$size" '{t[NR]=$1; c[NR]=$2+$3; m[NR]=$4} END {mid=int((NR+1)/2); printf "%-9s %-9s %-10s %-12.2f %-12.0f\n", n, s, t[mid], c[mid], m[mid]/1024}'
done
