#!/usr/bin/env bash
# Starts/stops a containerd with the CRI plugin set up for the harness kubelet on this
# kind of sandbox (see /work/shared/notes/real-components.md):
#   restrict_oom_score_adj = true   (no CAP_SYS_RESOURCE: sandboxes fail without it)
#   CNI plugins from /usr/lib/cni, a bridge conflist in $STATE/net.d (not /etc)
#   sandbox_image = $SANDBOX_IMAGE  (import it with `ctr -n k8s.io images import` to run pods)
# Needs: apt-get install -y containerd runc containernetworking-plugins iptables
#
#   test/cluster/containerd.sh start|stop|status   (status: 0 when a containerd answers on the socket)
#   KUBEWARD_CONTAINERD_DIR  config/log/pid directory (default /tmp/kubeward-containerd)
set -euo pipefail
dir="${KUBEWARD_CONTAINERD_DIR:-/tmp/kubeward-containerd}"
sandbox="${SANDBOX_IMAGE:-kubeward.local/pause:1}"
sock=/run/containerd/containerd.sock

running() { [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; }
# live: a containerd answers on the socket (a socket file alone may be left over
# from a containerd that is gone).
live() { [[ -S $sock ]] && timeout 5 ctr --address "$sock" version >/dev/null 2>&1; }

case "${1:-}" in
start)
  if running; then echo "containerd already running (pid $(cat "$dir/pid"))"; exit 0; fi
  if live; then echo "$sock answers: another containerd is running"; exit 0; fi
  command -v containerd >/dev/null || { echo "containerd not installed" >&2; exit 1; }
  if [[ -e $sock ]]; then echo "removing stale $sock (no containerd answers on it)"; rm -f "$sock" "$sock.ttrpc"; fi
  mkdir -p "$dir/net.d"
  containerd config default |
    sed -e 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' \
        -e "s#sandbox_image = .*#sandbox_image = \"$sandbox\"#" \
        -e 's#bin_dir = "/opt/cni/bin"#bin_dir = "/usr/lib/cni"#' \
        -e "s#conf_dir = \"/etc/cni/net.d\"#conf_dir = \"$dir/net.d\"#" > "$dir/config.toml"
  cat > "$dir/net.d/10-kubeward.conflist" <<'JSON'
{
  "cniVersion": "0.4.0",
  "name": "kubeward",
  "plugins": [
    {"type": "bridge", "bridge": "kwbr0", "isGateway": true, "ipMasq": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
  nohup containerd --config "$dir/config.toml" >"$dir/containerd.log" 2>&1 &
  echo $! >"$dir/pid"
  for _ in $(seq 50); do live && break; sleep 0.2; done
  live || { echo "containerd does not answer on $sock; see $dir/containerd.log" >&2; exit 1; }
  echo "containerd running (pid $(cat "$dir/pid")), socket $sock"
  ;;
stop)
  if running; then
    pid=$(cat "$dir/pid"); kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    echo "containerd stopped"
  fi
  rm -f "$dir/pid"
  ;;
status)
  if running; then echo "running (pid $(cat "$dir/pid"))"
  elif live; then echo "another containerd answers on $sock"
  else echo "not running"; exit 1; fi
  ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
