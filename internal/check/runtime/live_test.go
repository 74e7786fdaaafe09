package runtime

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
)

// serveEngine answers the Engine API on a unix socket from inspect answers.
func serveEngine(t *testing.T, socket string, containers []map[string]any) {
	t.Helper()
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]map[string]any{}
	var list []map[string]any
	for _, c := range containers {
		id := c["Id"].(string)
		byID[id] = c
		list = append(list, map[string]any{"Id": id, "Names": []string{c["Name"].(string)}})
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/info", func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{"Driver":"overlay2","LiveRestoreEnabled":false}`))
	})
	mux.HandleFunc("/version", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte(`{"ApiVersion":"1.41"}`)) })
	mux.HandleFunc("/containers/json", func(w http.ResponseWriter, _ *http.Request) { json.NewEncoder(w).Encode(list) })
	mux.HandleFunc("/containers/", func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/containers/"), "/json")
		c, ok := byID[id]
		if !ok {
			http.Error(w, `{"message":"No such container"}`, http.StatusNotFound)
			return
		}
		json.NewEncoder(w).Encode(c)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
}

func liveDockerd(args ...string) *inventory.Node {
	c := &inventory.Component{Kind: host.Dockerd, PID: os.Getpid(), Source: "process", Args: append([]string{"dockerd"}, args...),
		Flags: host.ParseFlags(args), Env: map[string]string{}}
	return &inventory.Node{Hostname: "live", Root: "/", Components: []*inventory.Component{c}}
}

// TestLiveEngine audits through a real unix socket, as on the node itself.
func TestLiveEngine(t *testing.T) {
	dir, err := os.MkdirTemp("", "kwlive")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	socket := filepath.Join(dir, "docker.sock")
	var containers []map[string]any
	data, err := os.ReadFile("testdata/containers.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &containers); err != nil {
		t.Fatal(err)
	}
	// A container holding this very daemon's (non-default) socket.
	own := map[string]any{"Id": strings.Repeat("ab", 32), "Name": "/own-socket", "Config": map[string]any{"User": "1000"},
		"HostConfig": map[string]any{"NetworkMode": "bridge"},
		"Mounts":     []any{map[string]any{"Type": "bind", "Source": socket, "Destination": "/var/run/docker.sock"}}}
	serveEngine(t, socket, append(containers, own))
	os.Chmod(socket, 0o660)

	dataRoot := filepath.Join(dir, "data")
	os.Mkdir(dataRoot, 0o700)
	f := &host.FS{Root: "/"}
	rs := evaluate(liveDockerd("-H", "unix://"+socket, "--data-root", dataRoot), f)
	want := map[string][]string{"own-socket": {CtrRuntimeSocket}}
	for k, v := range wantContainers {
		want[k] = v
	}
	checkContainerResults(t, rs, want)
	for _, r := range rs[CtrPrivileged] {
		if r.Location == nil || r.Location.Origin != "Engine API unix://"+socket {
			t.Errorf("origin %+v", r.Location)
			break
		}
	}
	if r := one(t, rs, DaemonPartition); r.Status != result.Fail || !strings.Contains(r.Evidence, "data-root="+dataRoot+" (flag --data-root)") {
		t.Errorf("KW-DOCKER-004 on a plain directory = %s %s", r.Status, r.Evidence)
	}
	if os.Geteuid() == 0 {
		if r := one(t, rs, DaemonSocketPerms); r.Status != result.Pass || !strings.Contains(r.Evidence, socket+" root:") {
			t.Errorf("KW-DOCKER-002 = %s %s %s", r.Status, r.Evidence, r.Message.EN)
		}
	}
	// /proc is a filesystem of its own on every Linux host.
	rs = evaluate(liveDockerd("-H", "unix://"+socket, "--data-root=/proc"), f)
	if r := one(t, rs, DaemonPartition); r.Status != result.Pass {
		t.Errorf("KW-DOCKER-004 on a mount point = %s %s %s", r.Status, r.Evidence, r.Message.EN)
	}
}

func TestLiveEngineUnreachable(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "docker.sock")
	n := liveDockerd("-H", "unix://"+missing, "--data-root", dir)
	rs := evaluate(n, &host.FS{Root: "/"})
	for _, id := range ContainerIDs {
		r := one(t, rs, id)
		if r.Status != result.Error || r.Message.EN != "cannot read the containers of this dockerd: cannot reach the Docker Engine API at unix://"+missing+": no such socket (is dockerd running, and listening there?)" {
			t.Errorf("%s = %s %q", id, r.Status, r.Message.EN)
		}
	}
	if r := one(t, rs, DaemonSocketPerms); r.Status != result.Error {
		t.Errorf("KW-DOCKER-002 without socket = %s", r.Status)
	}
	// A dockerd only known from its unit file is not running: nothing to audit.
	n.Components[0].PID, n.Components[0].Source, n.Components[0].SourceFile = 0, "systemd unit", "/lib/systemd/system/docker.service"
	rs = evaluate(n, &host.FS{Root: "/"})
	for _, id := range append([]string{DaemonSocketPerms}, ContainerIDs...) {
		if r := one(t, rs, id); r.Status != result.NotApplicable || !strings.Contains(r.Message.EN, "not running") {
			t.Errorf("%s for a unit-only dockerd = %s %q", id, r.Status, r.Message.EN)
		}
	}
}
