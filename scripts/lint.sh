#!/usr/bin/env bash
# Runs golangci-lint (configuration: .golangci.yml) at the pinned version,
# installing it into ./bin (git-ignored) first when it is missing. The one
# place the version is pinned: `make lint` and .ci/run both call this.
#   scripts/lint.sh [golangci-lint run arguments]   (default ./...)
set -euo pipefail
cd "$(dirname "$0")/.."
version=v2.15.0
bin="$PWD/bin/golangci-lint-$version"
if [ ! -x "$bin" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  GOBIN="$tmp" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"
  mkdir -p bin
  mv "$tmp/golangci-lint" "$bin"
fi
if [ $# -eq 0 ]; then
  set -- ./...
fi
exec "$bin" run "$@"
