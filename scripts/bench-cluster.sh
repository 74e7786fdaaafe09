#!/usr/bin/env bash
# Scale benchmark of `kubeward scan cluster` against a real API server:
# starts the insecure harness control plane (etcd + kube-apiserver only: no
# kubelet, no controllers, no kube-proxy, so nothing creates or deletes
# objects behind our back), fills it with about OBJECTS objects
# (test/cluster/cmd/loadcluster: namespaces, quotas, NetworkPolicies, RBAC,
# ConfigMaps, Secrets, Deployments with ReplicaSets and Pods, ...), then times
# RUNS scans per client setting with /usr/bin/time (wall seconds, peak RSS)
# and prints the median. Needs the binaries from test/cluster/build.sh.
#
# Usage: scripts/bench-cluster.sh [runs]          (default 3 runs per setting)
# Environment:
#   OBJECTS=100000     objects to load
#   WORKERS=64         loader concurrency
#   PORT_BASE=20400    harness ports (etcd client = PORT_BASE, apiserver = PORT_BASE+2)
#   SETTINGS='default;--qps 500 --burst 1000 --page-size 2000 --concurrency 8'
#                      ;-separated kubeward flag sets ("default" = no flags)
#   DIR=/path          work directory (default: a new temp dir)
#   AUDIT_FREE=1       also scan through a second kube-apiserver on the same etcd started
#                      with the harness' flags minus --audit-* (port PORT_BASE+12): the
#                      insecure profile audits every request at RequestResponse, which
#                      costs the API server ~5x the CPU of serving the lists; 0 skips it
#   KEEP=1             leave the control plane running at the end (prints how to stop it)
#   REUSE=/path        scan a control plane an earlier KEEP=1 run left in /path/cluster
#                      (no start, no load, no stop)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
objects=${OBJECTS:-100000}
workers=${WORKERS:-64}
port_base=${PORT_BASE:-20400}
settings=${SETTINGS:-default;--qps 500 --burst 1000 --page-size 2000 --concurrency 8}
tmp=${REUSE:-${DIR:-$(mktemp -d /tmp/kubeward-bench-cluster.XXXXXX)}}
cluster=$tmp/cluster
kubeconfig=$cluster/kubeconfig/admin.conf
mkdir -p "$tmp/bin" "$tmp/runs"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r), $(go version | cut -d' ' -f3)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

go build -o "$tmp/bin/kubeward" ./cmd/kubeward
(cd test/cluster && go build -o "$tmp/bin/harness" ./cmd/harness && go build -o "$tmp/bin/loadcluster" ./cmd/loadcluster)
if ! missing=$(cd test/cluster && "$tmp/bin/harness" missing); then
  echo "control-plane binaries missing ($missing): run test/cluster/build.sh" >&2
  exit 1
fi

api2_pid=
stop() {
  if [[ -n $api2_pid ]]; then kill "$api2_pid" 2>/dev/null || true; wait "$api2_pid" 2>/dev/null || true; fi
  if [[ -n ${REUSE:-} ]]; then return; fi
  if [[ ${KEEP:-} == 1 ]]; then
    echo "control plane left running: KUBECONFIG=$kubeconfig; stop: $tmp/bin/harness down --dir $cluster; rescan: REUSE=$tmp $0"
    return
  fi
  (cd test/cluster && "$tmp/bin/harness" down --dir "$cluster" >/dev/null 2>&1) || true
  echo "control plane stopped (files in $tmp)"
}
trap stop EXIT

if [[ -z ${REUSE:-} ]]; then
  (cd test/cluster && "$tmp/bin/harness" up --profile insecure --dir "$cluster" --kubelet false --no-controllers --no-proxy \
    --port-base "$port_base" > "$tmp/harness-up.log" 2>&1) || { cat "$tmp/harness-up.log" >&2; exit 1; }
  echo "control plane: etcd + kube-apiserver (insecure profile, no kubelet/controllers/proxy) at https://127.0.0.1:$((port_base + 2))"
  start=$(date +%s.%N)
  "$tmp/bin/loadcluster" --kubeconfig "$kubeconfig" --objects "$objects" --workers "$workers" > "$tmp/load.log" 2>&1 ||
    { tail -20 "$tmp/load.log" >&2; exit 1; }
  grep -E '^(loaded|phase) ' "$tmp/load.log"
  printf 'load wall time: %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
fi

pid_of() { (cd test/cluster && "$tmp/bin/harness" status --dir "$cluster") | awk -v n="$1" '$1 == n {print $3}'; }
api_pid=$(pid_of kube-apiserver)
etcd_pid=$(pid_of etcd)
# CPU seconds (user+system) a process has used so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }

db=$cluster/etcd-data/member/snap/db
etcd_metrics=$(curl -s "http://127.0.0.1:$port_base/metrics" || true)
in_use=$(awk '/^etcd_mvcc_db_total_size_in_use_in_bytes/ {printf "%.0f MB", $2/1e6}' <<< "$etcd_metrics")
echo "etcd: db file $(du -m "$db" | cut -f1) MB (in use: ${in_use:-?}), keys $(awk '/^etcd_debugging_mvcc_keys_total/ {print $2}' <<< "$etcd_metrics")"
echo "kube-apiserver RSS after load: $(rss_mb "$api_pid") MB; audit log $(du -sm "$cluster/logs/audit" 2>/dev/null | cut -f1) MB"

results_of() { jq '.results | length' "$1" 2>/dev/null || python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$1"; }

# A second kube-apiserver without auditing, on the same etcd.
targets=("harness-apiserver|$kubeconfig|$api_pid")
if [[ ${AUDIT_FREE:-1} == 1 ]]; then
  api2_port=$((port_base + 12))
  mapfile -t argv < <(tr '\0' '\n' < "/proc/$api_pid/cmdline")
  args=()
  for a in "${argv[@]:1}"; do
    case $a in --audit-*|--secure-port=*|--cert-dir=*) ;; *) args+=("$a") ;; esac
  done
  mkdir -p "$tmp/apiserver-noaudit"
  "${argv[0]}" "${args[@]}" --secure-port="$api2_port" --cert-dir="$tmp/apiserver-noaudit" > "$tmp/apiserver-noaudit.log" 2>&1 &
  api2_pid=$!
  sed "s#https://127.0.0.1:$((port_base + 2))#https://127.0.0.1:$api2_port#" "$kubeconfig" > "$tmp/noaudit.conf"
  token=$(awk -F, '$2 == "kubernetes-admin" {print $1}' "$cluster/config/tokens.csv")
  for _ in $(seq 120); do
    [[ $(curl -sk -H "Authorization: Bearer $token" "https://127.0.0.1:$api2_port/readyz" || true) == ok ]] && break
    sleep 1
  done
  echo "kube-apiserver without audit: https://127.0.0.1:$api2_port (pid $api2_pid), RSS $(rss_mb "$api2_pid") MB once ready"
  targets+=("apiserver-no-audit|$tmp/noaudit.conf|$api2_pid")
fi

summary=()
IFS=';' read -r -a sets <<< "$settings"
for target in "${targets[@]}"; do
  IFS='|' read -r tname tconf tpid <<< "$target"
  for set in "${sets[@]}"; do
    flags=$set
    [[ $set == default ]] && flags=""
    echo "--- $tname, setting: ${set} ---"
    : > "$tmp/times"
    for i in $(seq "$runs"); do
      out=$tmp/runs/out.json err=$tmp/runs/err.txt
      a0=$(cpu_s "$tpid") e0=$(cpu_s "$etcd_pid")
      rc=0
      # shellcheck disable=SC2086 # flags are words
      /usr/bin/time -f '%e %M %U %S' -o "$tmp/runs/time" "$tmp/bin/kubeward" scan cluster --kubeconfig "$tconf" -o json $flags > "$out" 2> "$err" || rc=$?
      a1=$(cpu_s "$tpid") e1=$(cpu_s "$etcd_pid")
      if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        echo "kubeward exited $rc:" >&2; cat "$err" >&2; exit 1
      fi
      read -r wall rss user sys < <(tail -1 "$tmp/runs/time")
      read_line=$(grep -o 'read [0-9]* objects from .*' "$err" || echo "read ? objects")
      nobj=$(awk '{print $2}' <<< "$read_line")
      nres=$(results_of "$out")
      printf 'run %d: wall %6.2f s, peak RSS %5.0f MB, kubeward CPU %.1f s (user %.1f + sys %.1f), apiserver CPU %.1f s, etcd CPU %.1f s, load %s, exit %d, %s, %s results, report %s MB\n' \
        "$i" "$wall" "$(echo "$rss / 1024" | bc -l)" "$(echo "$user + $sys" | bc)" "$user" "$sys" "$(echo "$a1 - $a0" | bc)" "$(echo "$e1 - $e0" | bc)" \
        "$(cut -d' ' -f1 /proc/loadavg)" "$rc" "$read_line" "$nres" "$(du -m "$out" | cut -f1)"
      echo "$wall $rss $nobj $nres" >> "$tmp/times"
    done
    line=$(sort -n "$tmp/times" | awk -v s="$tname, $set" '{t[NR]=$1; m[NR]=$2; if ($2 > mx) mx = $2; o=$3; r=$4}
      END {mid=int((NR+1)/2); printf "%-78s median %6.2f s (min %.2f, max %.2f), peak RSS max %4.0f MB, %s objects read, %s results", s, t[mid], t[1], t[NR], mx/1024, o, r}')
    summary+=("$line")
  done
done
echo "=== summary ($runs runs each, $(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg)) ==="
printf '%s\n' "${summary[@]}"
