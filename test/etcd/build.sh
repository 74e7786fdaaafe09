#!/usr/bin/env bash
# Builds the etcd server (go.etcd.io/etcd/server/v3) into the kubeward binary cache.
# It lives in its own Go module because etcd's requirements clash with k8s.io/kubernetes.
# Skips the build when the binary is already cached.
#
#   KUBEWARD_BIN_CACHE  target directory (default: <repo>/.cache/bin/v1.37.2)
#   FORCE=1             rebuild even if present
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
K8S_VERSION="${K8S_VERSION:-v1.37.2}"
cache="${KUBEWARD_BIN_CACHE:-$repo/.cache/bin/$K8S_VERSION}"
mkdir -p "$cache"

out="$cache/etcd"
if [[ -x "$out" && "${FORCE:-0}" != 1 ]]; then
  echo "etcd: cached at $out"
  exit 0
fi
echo "etcd: building into $out"
start=$(date +%s)
(cd "$here" && CGO_ENABLED=0 go build -trimpath -o "$out.tmp.$$" go.etcd.io/etcd/server/v3)
mv -f "$out.tmp.$$" "$out"
echo "etcd: built in $(( $(date +%s) - start ))s"
