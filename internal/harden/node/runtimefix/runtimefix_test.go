package runtimefix

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/kubeward/kubeward/internal/inventory"
)

func dockerd(t *testing.T, file string, flags map[string][]string) *inventory.Component {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	return &inventory.Component{Kind: inventory.Dockerd, ConfigFile: "/etc/docker/daemon.json", Config: cfg, Flags: flags}
}

var allDaemon = map[string]bool{"KW-DOCKER-001": true, "KW-DOCKER-005": true, "KW-DOCKER-006": true, "KW-DOCKER-007": true,
	"KW-DOCKER-008": true, "KW-DOCKER-009": true, "KW-DOCKER-010": true}

// TestDaemonJSONMerge: the merged daemon.json, read back the way dockerd's
// settings are resolved for the checks, has every setting the checks want,
// and keeps what it does not fix.
func TestDaemonJSONMerge(t *testing.T) {
	c := dockerd(t, "../../../check/runtime/testdata/daemon-insecure.json", nil)
	data, fixed, changed, conflicts, err := DaemonJSON(c, allDaemon)
	if err != nil {
		t.Fatal(err)
	}
	if len(conflicts) != 0 {
		t.Errorf("conflicts: %v", conflicts)
	}
	var merged map[string]any
	if err := json.Unmarshal(data, &merged); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	after := &inventory.Component{Kind: inventory.Dockerd, ConfigFile: c.ConfigFile, Config: merged}
	for name, want := range map[string]string{"icc": "false", "userns-remap": "default", "live-restore": "true", "no-new-privileges": "true",
		"insecure-registry": "", "storage-driver": "aufs"} {
		if got := after.Setting(name).Value; got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	opts := after.Setting("log-opt").Map
	if opts["max-size"] != "10m" || opts["max-file"] != "3" || opts["labels"] != "app" {
		t.Errorf("log-opts %v", opts)
	}
	if strings.Contains(string(data), "tcp://") {
		t.Errorf("a TCP host is left: %s", data)
	}
	if strings.Contains(strings.Join(changed, " "), "do-not-print-me") {
		t.Errorf("a secret in what changed: %v", changed)
	}
	if len(changed) < 7 || len(fixed) != 7 {
		t.Errorf("changed: %v fixed %v", changed, fixed)
	}
	// Nothing failing: nothing written.
	if d, _, _, _, _ := DaemonJSON(c, nil); d != nil {
		t.Error("wrote a daemon.json with nothing to fix")
	}
}

func TestDaemonJSONFlagConflicts(t *testing.T) {
	c := dockerd(t, "../../../check/runtime/testdata/daemon-insecure.json", map[string][]string{"icc": {"true"}, "H": {"tcp://0.0.0.0:2375"}})
	data, _, _, conflicts, err := DaemonJSON(c, allDaemon)
	if err != nil {
		t.Fatal(err)
	}
	if len(conflicts) != 2 {
		t.Errorf("conflicts: %v", conflicts)
	}
	var merged map[string]any
	_ = json.Unmarshal(data, &merged)
	if merged["icc"] != true {
		t.Error("icc written to daemon.json although --icc is on the command line (dockerd would refuse to start)")
	}
}

func TestFixRegistryTOML(t *testing.T) {
	for _, f := range []string{"hosts-insecure.toml", "containerd-insecure.toml"} {
		data, err := os.ReadFile("../../../check/runtime/testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		out, changed := FixRegistryTOML(data)
		if strings.Contains(strings.Join(changed, " "), "do-not-print-me") {
			t.Errorf("%s: a secret in what changed: %v", f, changed)
		}
		if len(changed) == 0 {
			t.Errorf("%s: nothing changed", f)
		}
		var doc map[string]any
		if err := toml.Unmarshal(out, &doc); err != nil {
			t.Fatalf("%s: not TOML after the fix: %v\n%s", f, err, out)
		}
		inventory.WalkConfig(doc, "", func(key string, v any) {
			if strings.HasSuffix(key, "skip_verify") && v == true {
				t.Errorf("%s: %s still true", f, key)
			}
			if s, ok := v.(string); ok && strings.HasPrefix(s, "http://") && (strings.HasSuffix(key, "server") || strings.Contains(key, "endpoint")) {
				t.Errorf("%s: %s = %s", f, key, s)
			}
			if strings.Contains(key, `"http://`) {
				t.Errorf("%s: %s", f, key)
			}
		})
		if strings.Count(string(out), "#") != strings.Count(string(data), "#") {
			t.Errorf("%s: comments lost", f)
		}
	}
}

// FuzzFixRegistryTOML: any input gives a result with as many lines, and
// never a skip_verify left true on a line it changed.
func FuzzFixRegistryTOML(f *testing.F) {
	f.Add([]byte("server = \"http://r:5000\"\n[host.\"http://m\"]\n  skip_verify = true # x\n"))
	f.Add([]byte("insecure_skip_verify = true\nendpoint = [\"http://u:p@h\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, _ := FixRegistryTOML(data)
		if strings.Count(string(out), "\n") != strings.Count(string(data), "\n") {
			t.Fatalf("lines changed: %q -> %q", data, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if skipVerifyLine.MatchString(l) {
				t.Fatalf("skip_verify still true: %q", l)
			}
		}
	})
}
