#!/usr/bin/env bash
# Builds the real Kubernetes components used by the end-to-end harness
# (kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy)
# from k8s.io/kubernetes@v1.37.2, plus etcd (via ../etcd/build.sh) and the helm
# CLI (via ../helm/build.sh), into a
# version-keyed cache. Binaries already present are skipped, so reruns are fast.
#
#   KUBEWARD_BIN_CACHE  target directory (default: <repo>/.cache/bin/v1.37.2)
#   FORCE=1             rebuild even if present
#   SKIP_ETCD=1         do not build etcd
#   ./build.sh [binary...]   build only the named binaries
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
K8S_VERSION=v1.37.2
major=1
minor=37
cache="${KUBEWARD_BIN_CACHE:-$repo/.cache/bin/$K8S_VERSION}"
mkdir -p "$cache"
export KUBEWARD_BIN_CACHE="$cache" K8S_VERSION

# Without these the servers report v0.0.0-master+$Format:%H$, which kubectl cannot parse.
ldflags="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION"
ldflags+=" -X k8s.io/component-base/version.gitMajor=$major"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor"
ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

all=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy)
want=("$@")
[[ ${#want[@]} -eq 0 ]] && want=("${all[@]}" etcd helm)

total_start=$(date +%s)
for b in "${want[@]}"; do
  if [[ $b == etcd ]]; then
    [[ "${SKIP_ETCD:-0}" == 1 ]] || "$here/../etcd/build.sh"
    continue
  fi
  if [[ $b == helm ]]; then # the helm CLI, for the harden post-render e2e test
    "$here/../helm/build.sh"
    continue
  fi
  out="$cache/$b"
  if [[ -x "$out" && "${FORCE:-0}" != 1 ]]; then
    echo "$b: cached at $out"
    continue
  fi
  echo "$b: building into $out"
  start=$(date +%s)
  (cd "$here" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out.tmp.$$" "k8s.io/kubernetes/cmd/$b")
  mv -f "$out.tmp.$$" "$out"
  echo "$b: built in $(( $(date +%s) - start ))s"
done
echo "all done in $(( $(date +%s) - total_start ))s; binaries in $cache"
