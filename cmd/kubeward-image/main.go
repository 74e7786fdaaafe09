// Command kubeward-image builds kubeward's OCI image without Docker or a
// registry: a static kubeward binary in one layer (non-root user 65532, no
// shell, read-only-root friendly), reproducible from a commit (every
// timestamp is SOURCE_DATE_EPOCH, by default the commit's time; entries
// sorted; the binary built with -trimpath and fixed -ldflags), with an SPDX
// SBOM from the binary's Go build information attached as an OCI referrer.
//
//	go run ./cmd/kubeward-image [--out _output/image] [--ref kubeward.local/kubeward:VERSION]
//
// Outputs: OUT/oci (an OCI image layout holding the image and its SBOM
// referrer) and OUT/kubeward.tar (a docker-archive for `docker load` and
// `ctr -n k8s.io images import`). It prints the image digest.
package main

import (
	"debug/buildinfo"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kubeward-image:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("kubeward-image", flag.ContinueOnError)
	out := fl.String("out", "_output/image", "output directory")
	ref := fl.String("ref", "", "image name and tag (default kubeward.local/kubeward:VERSION)")
	version := fl.String("version", "", "kubeward version (default: git describe --tags --always --dirty)")
	arch := fl.String("arch", "amd64", "GOARCH of the binary")
	bin := fl.String("binary", "", "use this static kubeward binary instead of building one")
	src := fl.String("src", ".", "root of the kubeward module to build from")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fl.Arg(0))
	}
	if *version == "" {
		v, err := git("describe", "--tags", "--always", "--dirty")
		if err != nil {
			return fmt.Errorf("version: %w (or pass --version)", err)
		}
		*version = v
	}
	commit, _ := git("rev-parse", "HEAD")
	epoch, err := sourceDateEpoch()
	if err != nil {
		return err
	}
	if *ref == "" {
		*ref = "kubeward.local/kubeward:" + strings.ReplaceAll(*version, "+", "-")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if *bin == "" {
		*bin = filepath.Join(*out, "kubeward")
		if err := build(*src, *bin, *version, *arch); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(*bin)
	if err != nil {
		return err
	}
	bi, err := buildinfo.ReadFile(*bin)
	if err != nil {
		return fmt.Errorf("%s: no Go build information: %w", *bin, err)
	}
	in := Input{Binary: data, Version: *version, Commit: commit, Epoch: epoch, Arch: *arch}
	img, err := Image(in)
	if err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	sbom, err := SBOM(bi, in, d.String())
	if err != nil {
		return err
	}
	o, err := Write(*out, img, sbom, *ref)
	if err != nil {
		return err
	}
	fmt.Printf("image %s %s\nsbom referrer %s\noci layout %s\ndocker archive %s\n", *ref, o.Digest, o.SBOMDigest, o.Layout, o.DockerArchive)
	return nil
}

// build compiles a static, reproducible kubeward: no cgo, -trimpath, no
// VCS stamp or build ID, the version set by -ldflags.
func build(src, out, version, arch string) error {
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	ld := "-s -w -buildid= -X github.com/kubeward/kubeward/internal/cli.Version=" + version
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ld, "-o", out, "./cmd/kubeward")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/kubeward: %w", err)
	}
	return nil
}

// sourceDateEpoch is $SOURCE_DATE_EPOCH, else the HEAD commit's time.
func sourceDateEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		var err error
		if s, err = git("log", "-1", "--format=%ct"); err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH unset and no commit time: %w", err)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a Unix time", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

func git(args ...string) (string, error) {
	b, err := exec.Command("git", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(b)), nil
}

func decodeBase64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
