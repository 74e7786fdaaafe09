#!/usr/bin/env bash
# Admission load with image verification: a kubeward webhook whose policy
# verifies cosign signatures and vulnerability reports against a real TLS
# registry on loopback (cmd/kubeward-testregistry), under cmd/kubeward-load.
#
#   scripts/bench-admission-supplychain.sh [RATE] [DURATION] [CONCURRENCY]
#   defaults: 2000 60s 512 (HTTP/2)
#
# The reviews cycle through three hardened pods in a namespace the
# supply-chain policy covers: a signed and scanned image (admitted), an
# unsigned one and a vulnerable one (denied, KW-SUP-001 and KW-SUP-004),
# each by digest. After the first review of each, the verdicts come from
# the webhook's digest cache (warm); the cold figure is
# `go test -bench AdmissionVerify ./internal/admit/`.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-2000} duration=${2:-60s} conc=${3:-512}
port=${KUBEWARD_BENCH_PORT:-18444}
work=$(mktemp -d)
server="" registry=""
cleanup() {
  [ -n "$server" ] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
  [ -n "$registry" ] && { kill "$registry" 2>/dev/null; wait "$registry" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/kubeward" ./cmd/kubeward
go build -o "$work/kubeward-load" ./cmd/kubeward-load
go build -o "$work/kubeward-testregistry" ./cmd/kubeward-testregistry
mkdir "$work/reg"
"$work/kubeward-testregistry" -dir "$work/reg" &
registry=$!
for _ in $(seq 100); do [ -f "$work/reg/fixture.json" ] && break; sleep 0.1; done
host=$(sed -n 's/.*"host":"\([^"]*\)".*/\1/p' "$work/reg/fixture.json")
digest() { sed -n "s/.*\"$1\":\"\(sha256:[0-9a-f]*\)\".*/\1/p" "$work/reg/fixture.json"; }
cat >"$work/policy.yaml" <<YAML
defaultMode: enforce
config:
  trustedRegistries: [$host]
  supplyChain:
    registries: [{host: "$host", caFile: "$work/reg/ca.pem"}]
    reports: ["$work/reg/reports/signed.json", "$work/reg/reports/unsigned.json", "$work/reg/reports/vulnerable.json"]
    policies:
      - namespaces: [team-*]
        cosignKeys: [{name: release, file: "$work/reg/release.pub"}]
        vulnerabilities: {denyAtOrAbove: HIGH, requireScan: true, maxAgeDays: 7}
YAML
for n in signed unsigned vulnerable; do
  printf '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","namespace":"team-a"},"spec":{"automountServiceAccountToken":false,"serviceAccountName":"app","securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"app","image":"%s/team/%s@%s","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}},"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}\n' \
    "$n" "$host" "$n" "$(digest "$n")"
done >"$work/objects.jsonl"

"$work/kubeward" webhook --self-signed --listen "127.0.0.1:$port" --config "$work/policy.yaml" >"$work/server.log" 2>&1 &
server=$!
url="https://127.0.0.1:$port"
for _ in $(seq 50); do curl -skf "$url/readyz" >/dev/null && break; sleep 0.2; done

metrics() { curl -sk "$url/metrics"; }
histogram() { metrics | awk '/^kubeward_admission_review_duration_seconds_bucket\{path="validate"/ {
  match($0, /le="[^"]*"/); le=substr($0, RSTART+4, RLENGTH-5); print le, $2 }'; }
sample() { metrics | awk -v t="$(date +%T)" '/^go_goroutines /{g=$2} /^process_resident_memory_bytes /{r=$2} /^process_cpu_seconds_total /{c=$2} END {printf "%s goroutines %d rss %.0f MB cpu %.1f s\n", t, g, r/1048576, c}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo), $(uname -r), $(go version | cut -d' ' -f3), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "run: $rate reviews/s for $duration, concurrency $conc, http2, verification against $host"
histogram >"$work/before"
sample
set +e
"$work/kubeward-load" --url "$url/validate" --insecure --rate "$rate" --duration "$duration" --concurrency "$conc" --http2 --objects "$work/objects.jsonl"
code=$?
set -e
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
