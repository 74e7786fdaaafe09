# kubeward's everyday commands. Each target is a thin wrapper: the command it
# runs works on its own too (see CONTRIBUTING.md).
#
#   make build    ./kubeward, static (CGO_ENABLED=0); VERSION=v1.2.3 names the version
#   make test     gofmt check, go vet, go test ./...
#   make golden   rewrite the golden reports (internal/cli/testdata/golden)
#   make lint     golangci-lint (scripts/lint.sh: pinned, installed into ./bin when missing)
#   make docs     regenerate docs/checks.md from the catalogue
#   make fuzz     every fuzz target, FUZZTIME each (default 10s)
#   make bench    scripts/bench.sh: scan manifests at 1k, 10k, 100k objects
#   make e2e      real etcd, Kubernetes and containerd: test/cluster (slow; root)
#   make image    the OCI image, no Docker: _output/image/oci (layout, SBOM
#                 referrer) and _output/image/kubeward.tar (docker load, ctr import)

GO ?= go
# A tagged commit's tag; elsewhere none, and `kubeward version` shows the
# VCS revision Go stamps (with "modified" for a dirty tree) instead.
VERSION ?= $(shell git describe --tags --exact-match 2>/dev/null)
LDFLAGS := $(if $(VERSION),-X github.com/kubeward/kubeward/internal/cli.Version=$(VERSION))

.PHONY: all build test golden lint docs fuzz bench e2e image clean

all: build test lint

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o kubeward ./cmd/kubeward

test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) test ./...

golden:
	$(GO) test ./internal/cli -run Golden -count=1 -update
	git diff --stat -- internal/cli/testdata/golden

# scripts/lint.sh pins the version and installs it into ./bin when missing
# (the binary's name carries the version, so a new pin installs anew).
lint:
	scripts/lint.sh

docs:
	$(GO) run ./cmd/kubeward checks -o markdown > docs/checks.md.tmp
	mv docs/checks.md.tmp docs/checks.md

FUZZTIME ?= 10s
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

RUNS ?= 5
bench:
	scripts/bench.sh $(RUNS)

# As .ci/run does: build etcd and Kubernetes from pinned modules into
# .cache/bin (~20 min cold), start containerd unless one runs, run the
# harness and e2e tests one package at a time (fixed loopback ports), and
# stop the containerd it started.
e2e:
	test/cluster/build.sh
	@started=; \
	if ! test/cluster/containerd.sh status >/dev/null; then \
	  test/cluster/containerd.sh start || exit 1; started=1; \
	fi; \
	(cd test/cluster && $(GO) vet ./... && $(GO) test -p 1 -count=1 -timeout 45m ./...); rc=$$?; \
	if [ -n "$$started" ]; then test/cluster/containerd.sh stop || true; fi; \
	exit $$rc

# Reproducible: SOURCE_DATE_EPOCH (default the commit's time) dates every
# entry; the same commit gives the same digest (cmd/kubeward-image).
image:
	$(GO) run ./cmd/kubeward-image --out _output/image $(if $(VERSION),--version $(VERSION))

clean:
	rm -f kubeward
