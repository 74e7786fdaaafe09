#!/usr/bin/env bash
# Report benchmark: wall time, CPU time and peak RSS of `kubeward scan
# manifests -o json` and `-o sarif` on generated corpora where every
# Deployment has 8 FAILs (kubeward-corpus -failing: 5,000 objects give about
# 40,000 FAIL results), at 1k, 5k, 10k and 100k objects.
# Usage: scripts/bench-report.sh [runs] [base-commit]
#   runs         runs per figure, the median is printed (default 3)
#   base-commit  also measure the binary built from this commit (git archive,
#                the working tree is not touched), for a before/after table
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
base=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/kubeward" ./cmd/kubeward
go build -o "$tmp/corpus" ./cmd/kubeward-corpus
bins=(kubeward)
if [ -n "$base" ]; then
  mkdir "$tmp/base"
  git archive "$base" | tar -x -C "$tmp/base"
  (cd "$tmp/base" && go build -o "$tmp/kubeward-base" ./cmd/kubeward)
  bins=(kubeward-base kubeward)
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "go: $(go version | cut -d' ' -f3); commit $(git rev-parse --short HEAD)${base:+, base $base}"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-14s %-8s %-6s %-8s %-9s %-13s %-11s\n" binary objects format results "median s" "median CPU s" "peak RSS MB"
for n in 1000 5000 10000 100000; do
  "$tmp/corpus" -failing -objects "$n" > "$tmp/c.yaml"
  results=$("$tmp/kubeward" scan manifests -o json --fail-on critical "$tmp/c.yaml" | grep -c '"id":' || true)
  for bin in "${bins[@]}"; do
    for format in json sarif; do
      : > "$tmp/times"
      for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %U %S %M" -a -o "$tmp/times" "$tmp/$bin" scan manifests -o "$format" --fail-on critical "$tmp/c.yaml" > /dev/null 2>&1 || true
      done
      grep -E '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' "$tmp/times" | sort -n | awk -v b="$bin" -v n="$n" -v f="$format" -v r="$results" \
        '{t[NR]=$1; c[NR]=$2+$3; m[NR]=$4} END {mid=int((NR+1)/2); printf "%-14s %-8s %-6s %-8s %-9s %-13.2f %-11.0f\n", b, n, f, r, t[mid], c[mid], m[mid]/1024}'
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
