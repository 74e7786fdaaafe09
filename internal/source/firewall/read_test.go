package firewall

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/source/host"
)

func hostFS(root string) *host.FS { return &host.FS{Root: root} }

func TestReadSnapshot(t *testing.T) {
	root := t.TempDir()
	f := hostFS(root)
	if fl := Read(f); fl.Installed || len(fl.Rulesets) != 0 {
		t.Errorf("empty snapshot: %+v", fl)
	}
	// Installed but not captured: an error to report, not a pass.
	if err := os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "usr/sbin/nft"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if fl := Read(f); !fl.Installed || len(fl.Rulesets) != 0 || len(fl.Errors) != 1 {
		t.Errorf("installed, not captured: %+v", fl)
	}
	capDir := filepath.Join(root, host.CaptureDir)
	if err := os.MkdirAll(capDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, fix := range map[string]string{host.CaptureIPTables: "iptables-restrictive.txt", host.CaptureNFT: "nft-iptables-nft.txt"} {
		if err := os.WriteFile(filepath.Join(capDir, name), fixture(t, fix), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fl := Read(f)
	if !fl.Installed || len(fl.Rulesets) != 2 || len(fl.Errors) != 0 {
		t.Fatalf("captured: %+v", fl)
	}
	// ip filter comes from iptables-save; nft adds only ip6 filter.
	if got := strings.Join(fl.Rulesets[1].Tables, ","); got != "ip6 filter" {
		t.Errorf("nft tables read: %s", got)
	}
	if fl.Families != AnyFamily {
		t.Errorf("families %v (%s)", fl.Families, fl.IPv6Note)
	}
	for _, v := range Analyze(fl.Rulesets, fl.Families, SensitivePorts) {
		if !v.Restricted() {
			t.Errorf("%s: %+v", v.Port, v.Decisions)
		}
	}
}

// TestReadLive runs stand-ins for the programs, found on PATH as on a node.
func TestReadLive(t *testing.T) {
	dir := t.TempDir()
	restrictive := filepath.Join("testdata", "iptables-restrictive.txt")
	abs, err := filepath.Abs(restrictive)
	if err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{
		"iptables-save":  "#!/bin/sh\ncat " + abs + "\n",
		"ip6tables-save": "#!/bin/sh\necho 'ip6tables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Address family not supported by protocol' >&2\nexit 1\n",
		"nft":            "#!/bin/sh\n[ \"$*\" = 'list ruleset' ] || exit 2\necho 'netlink: Error: cache initialization failed: Operation not permitted' >&2\nexit 1\n",
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+":/usr/bin:/bin")
	fl := Read(&host.FS{Root: "/"})
	if !fl.Installed || len(fl.Rulesets) != 1 || strings.Join(fl.Tools, ",") != "iptables-save" {
		t.Fatalf("%+v", fl)
	}
	// IPv6 disabled is not an error; nft failing is.
	if len(fl.Errors) != 1 || !strings.Contains(fl.Errors[0], "nft list ruleset: netlink: Error: cache initialization failed: Operation not permitted") {
		t.Errorf("errors %q", fl.Errors)
	}
	if fl.Rulesets[0].Source != "iptables-save" || len(fl.Rulesets[0].Input) != 1 {
		t.Errorf("ruleset %+v", fl.Rulesets[0])
	}
}
