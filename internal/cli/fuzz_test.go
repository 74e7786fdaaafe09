package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// stubWork replaces the RunE of every command that reads hosts, clusters
// or files, serves or writes, so fuzzing runs parsing and validation
// (PreRunE) only and never touches the machine.
func stubWork(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Annotations[doesWork] == "true" {
			c.RunE = func(*cobra.Command, []string) error { return nil }
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// FuzzArgs: any argument list gives an exit code kubeward documents, and
// never a panic. Arguments are separated by NUL in the fuzz input.
func FuzzArgs(f *testing.F) {
	for _, seed := range []string{
		"scna", "scan\x00nodes", "scan\x00manifest\x00x", "export\x00vaps", "collect\x00nodes", "",
		"scan\x00cluster\x00--concurrency\x00-1", "scan\x00cluster\x00--page-size\x00-5", "scan\x00node\x00--interval\x00-1s",
		"scan\x00cluster\x00--qps\x00NaN\x00--burst\x000", "scan\x00manifests\x00-f\x00a.yaml\x00b.yaml",
		"scan\x00manifests\x00--values\x00v.yaml\x00--set\x00a=b\x00.", "webhook\x00manifests\x00--replicas\x00-3",
		"webhook\x00--self-signed\x00--reload-interval\x00-1s", "export\x00vap\x00--exclude\x00[", "version\x00-o\x00json",
		"help\x00scan\x00nodes", "completion\x00bash", "__complete\x00scan\x00", "checks\x00-o\x00yaml\x00--lang\x00zh",
		"scan\x00manifests\x00-", "scan\x00manifests\x00-o\x00sarif\x00--fail-on\x00x\x00--lang\x00fr",
		"scan\x00cluster\x00-A=false", "webhook\x00manifests\x00--timeout-seconds\x0099999999999",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var args []string
		if in != "" {
			args = strings.Split(in, "\x00")
		}
		if len(args) > 64 {
			args = args[:64]
		}
		var out, errb bytes.Buffer
		code := mainWith(args, strings.NewReader(""), &out, &errb, stubWork)
		switch code {
		case ExitOK, ExitFindings, ExitUsage, ExitIncomplete:
		default:
			t.Fatalf("%q: exit %d", args, code)
		}
		if code == ExitUsage && !strings.Contains(errb.String(), "kubeward: ") {
			t.Fatalf("%q: exit 2 without a message: %q", args, errb.String())
		}
	})
}
