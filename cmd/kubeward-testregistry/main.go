// Command kubeward-testregistry serves a real OCI registry on loopback over
// TLS (go-containerregistry's pkg/registry, referrers on, with a Harbor
// scan overview API beside it) holding the supply-chain fixtures: images
// built locally and signed with a cosign key, unsigned, tampered (the
// trusted signature of another digest), unscanned and vulnerable, with
// Trivy reports. The end-to-end tests (test/cluster/e2e/supplychain_test.go)
// run it as a process they can stop to take the registry down.
//
//	kubeward-testregistry -dir DIR
//
// writes DIR/ca.pem, DIR/release.pub, DIR/notation-root.pem, DIR/reports/NAME.json and, last,
// DIR/fixture.json ({"host": ..., "digests": {NAME: digest}}), then serves
// until SIGTERM or SIGINT.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/kubeward/kubeward/internal/source/registry/registrytest"
)

// Images are the fixtures by name: repository team/NAME, tag 1.0.
// "notation" is signed with Notation (a code-signing certificate under
// DIR/notation-root.pem) instead of cosign.
var Images = []string{"signed", "unsigned", "tampered", "unscanned", "vulnerable", "fresh", "notation"}

func main() {
	dir := flag.String("dir", "", "directory to write the fixture files into")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "kubeward-testregistry: -dir is required")
		os.Exit(2)
	}
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "kubeward-testregistry:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	reg := registrytest.Start()
	defer reg.Server.Close()
	key, err := registrytest.NewKey()
	if err != nil {
		return err
	}
	digests := map[string]string{}
	for _, n := range Images {
		d, err := reg.PushImage("team/"+n+":1.0", "layer of "+n)
		if err != nil {
			return err
		}
		digests[n] = d
	}
	if err := os.MkdirAll(filepath.Join(dir, "reports"), 0o700); err != nil {
		return err
	}
	for _, n := range Images {
		signed := digests[n]
		switch n {
		case "unsigned":
			continue
		case "notation":
			ca, err := registrytest.NewNotationCA("release.bank.internal")
			if err != nil {
				return err
			}
			if err := reg.SignNotation(ca, "team/notation", digests[n]); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "notation-root.pem"), ca.RootPEM, 0o600); err != nil {
				return err
			}
			continue
		case "tampered":
			signed = digests["signed"]
		}
		if err := reg.SignCosign(key, "team/"+n, digests[n], signed); err != nil {
			return err
		}
	}
	for _, n := range Images {
		if n == "unscanned" {
			continue
		}
		var vulns []registrytest.Vuln
		if n == "vulnerable" {
			vulns = append(vulns, registrytest.Vuln{ID: "CVE-2026-31337", Severity: "CRITICAL", Package: "openssl", Version: "3.0.1"})
		}
		rep := registrytest.TrivyReport(reg.Host+"/team/"+n+"@"+digests[n], time.Now(), vulns...)
		if err := os.WriteFile(filepath.Join(dir, "reports", n+".json"), rep, 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), reg.CAPEM, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "release.pub"), key.PublicPEM, 0o600); err != nil {
		return err
	}
	b, err := json.Marshal(map[string]any{"host": reg.Host, "digests": digests})
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, "fixture.json.tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "fixture.json")); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	return nil
}
