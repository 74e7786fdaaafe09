#!/usr/bin/env bash
# Admission load benchmark: a kubeward webhook (--self-signed, loopback) under
# cmd/kubeward-load at a fixed rate, on this machine's cores.
#
#   scripts/bench-admission.sh [RATE] [DURATION] [CONCURRENCY] [PROTOCOL]
#   defaults: 2000 10m 512 http2      (PROTOCOL: http2 | http1)
#
# Prints the load generator's report, the server-side latency distribution
# from the webhook's own /metrics histogram (difference over the run), and
# goroutines and resident memory sampled every 30 s, so growth shows.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-2000} duration=${2:-10m} conc=${3:-512} proto=${4:-http2}
port=${KUBEWARD_BENCH_PORT:-18443}
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }; rm -rf "$work"' EXIT

go build -o "$work/kubeward" ./cmd/kubeward
go build -o "$work/kubeward-load" ./cmd/kubeward-load
cat >"$work/policy.yaml" <<'YAML'
defaultMode: enforce
config:
  trustedRegistries: [registry.bank.internal]
YAML
"$work/kubeward" webhook --self-signed --listen "127.0.0.1:$port" --config "$work/policy.yaml" >"$work/server.log" 2>&1 &
server=$!
url="https://127.0.0.1:$port"
for _ in $(seq 50); do curl -skf "$url/readyz" >/dev/null && break; sleep 0.2; done

metrics() { curl -sk "$url/metrics"; }
histogram() { metrics | awk '/^kubeward_admission_review_duration_seconds_bucket\{path="validate"/ {
  match($0, /le="[^"]*"/); le=substr($0, RSTART+4, RLENGTH-5); print le, $2 }'; }
sample() { metrics | awk -v t="$(date +%T)" '/^go_goroutines /{g=$2} /^process_resident_memory_bytes /{r=$2} END {printf "%s goroutines %d rss %.0f MB\n", t, g, r/1048576}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -r), $(go version | cut -d' ' -f3), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run: $rate reviews/s for $duration, concurrency $conc, $proto, load generator at nice ${KUBEWARD_LOAD_NICE:-0}"
histogram >"$work/before"
sample
( while sleep 30; do sample; done ) &
sampler=$!
flag=""; [ "$proto" = http2 ] && flag=--http2
set +e
# The load generator stands in for API servers on other machines (niced with
# KUBEWARD_LOAD_NICE=N; niced, it sends request bodies late, which the server-side
# histogram then counts: the default is not to nice it).
nice -n "${KUBEWARD_LOAD_NICE:-0}" "$work/kubeward-load" --url "$url/validate" --insecure --rate "$rate" --duration "$duration" --concurrency "$conc" $flag
code=$?
set -e
kill "$sampler" 2>/dev/null || true
histogram >"$work/after"
sleep 2
echo "after the run: $(sample)"
echo "server-side latency over the run (webhook /metrics histogram):"
awk 'FILENAME == ARGV[1] { before[$1]=$2; next }
  { le[++k]=$1; n[k]=$2-before[$1] }
  END { total=n[k]; p99=""
        for (i=1; i<k; i++) { printf "  <= %-7s s  %6.2f%%\n", le[i], 100*n[i]/total; if (p99=="" && n[i] >= 0.99*total) p99=le[i] }
        printf "  p99 <= %s s over %d reviews\n", p99, total }' "$work/before" "$work/after"
exit $code
