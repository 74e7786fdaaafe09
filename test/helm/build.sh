#!/usr/bin/env bash
# Builds the helm CLI (helm.sh/helm/v4/cmd/helm, the version pinned in this
# module's go.mod) into the kubeward binary cache, for the end-to-end test of
# `kubeward harden post-render` as a Helm post-renderer plugin. Its own Go
# module: helm's requirements are not the main module's. Skips the build when
# the binary is already cached.
#
#   KUBEWARD_BIN_CACHE  target directory (default: <repo>/.cache/bin/v1.37.2)
#   FORCE=1             rebuild even if present
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
K8S_VERSION="${K8S_VERSION:-v1.37.2}"
cache="${KUBEWARD_BIN_CACHE:-$repo/.cache/bin/$K8S_VERSION}"
mkdir -p "$cache"

out="$cache/helm"
if [[ -x "$out" && "${FORCE:-0}" != 1 ]]; then
  echo "helm: cached at $out"
  exit 0
fi
echo "helm: building into $out"
start=$(date +%s)
(cd "$here" && CGO_ENABLED=0 go build -trimpath -o "$out.tmp.$$" helm.sh/helm/v4/cmd/helm)
mv -f "$out.tmp.$$" "$out"
echo "helm: built in $(( $(date +%s) - start ))s"
