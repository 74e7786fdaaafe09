#!/usr/bin/env bash
# Whole-command benchmark of `kubeward scan node` on a real control-plane node:
# starts the hardened harness control plane (etcd, kube-apiserver,
# controller-manager, scheduler, kube-proxy, and a kubelet when containerd
# runs), then times N scans. Needs the binaries from test/cluster/build.sh.
# Usage: scripts/bench-node.sh [runs]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
tmp=$(mktemp -d)
go build -o "$tmp/kubeward" ./cmd/kubeward
(cd test/cluster && go run ./cmd/harness up --profile hardened --dir "$tmp/cluster" >/dev/null)
trap '(cd test/cluster && go run ./cmd/harness down --dir "$tmp/cluster" >/dev/null); rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "components: $("$tmp/kubeward" scan node -o json | grep -o '"objects": [0-9]*')"
: > "$tmp/times"
for _ in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -a -o "$tmp/times" "$tmp/kubeward" scan node -o json >/dev/null || true
done
grep -E '^[0-9.]+ [0-9]+$' "$tmp/times" | sort -n | awk '{t[NR]=$1; m[NR]=$2} END {printf "scan node: median %.3f s, min %.3f s, max %.3f s, median peak RSS %.0f MB (%d runs)\n", t[int((NR+1)/2)], t[1], t[NR], m[int((NR+1)/2)]/1024, NR}'
