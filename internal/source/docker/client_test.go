package docker

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kubeward/kubeward/internal/source/host"
)

// fakeEngine serves a few Engine API answers on a unix socket.
type fakeEngine struct {
	Socket string
	mu     sync.Mutex
	paths  []string
}

const inspectWeb = `{"Id":"0123456789abcdef0123","Name":"/web","Config":{"User":"1000","Env":["PATH=/bin","DB_PASSWORD=hunter2"]},
 "HostConfig":{"Privileged":false,"NetworkMode":"bridge"},"Mounts":[],"State":{"Status":"running","Running":true,"Pid":77}}`

func startEngine(t *testing.T) *fakeEngine {
	t.Helper()
	dir, err := os.MkdirTemp("", "kwdk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return startEngineAt(t, filepath.Join(dir, "docker.sock"))
}

func startEngineAt(t *testing.T, socket string) *fakeEngine {
	t.Helper()
	e := &fakeEngine{Socket: socket}
	l, err := net.Listen("unix", e.Socket)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.paths = append(e.paths, r.URL.RequestURI())
		e.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/info":
			w.Write([]byte(`{"ID":"X","Driver":"overlay2","DockerRootDir":"/var/lib/docker","SecurityOptions":["name=seccomp,profile=default"],"LiveRestoreEnabled":true}`))
		case "/version":
			w.Write([]byte(`{"Version":"20.10.24","ApiVersion":"1.41"}`))
		case "/containers/json":
			if r.URL.Query().Get("all") != "1" {
				http.Error(w, `{"message":"want all=1"}`, http.StatusBadRequest)
				return
			}
			w.Write([]byte(`[{"Id":"0123456789abcdef0123","Names":["/web"]},{"Id":"gone","Names":["/gone"]}]`))
		case "/containers/0123456789abcdef0123/json":
			w.Write([]byte(inspectWeb))
		case "/containers/0123456789abcdef0123/top":
			w.Write([]byte(`{"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"],"Processes":[["root","10","1","0","1","?","0","/usr/sbin/sshd -D -p 22 --secret=hunter2"],["root","11","1","0","1","?","0","nginx: master process"],["root","12","11","0","1","?","0","/usr/sbin/sshd -D"]]}`))
		case "/containers/gone/json":
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"No such container: gone"}`))
		default:
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"message":"boom"}`))
		}
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return e
}

func TestClient(t *testing.T) {
	e := startEngine(t)
	ctx := context.Background()
	c := NewClient(e.Socket)
	defer c.Close()
	info, err := c.Info(ctx)
	if err != nil || info.Driver != "overlay2" || !info.LiveRestoreEnabled {
		t.Fatalf("Info = %+v, %v", info, err)
	}
	v, err := c.Version(ctx)
	if err != nil || v.APIVersion != "1.41" {
		t.Fatalf("Version = %+v, %v", v, err)
	}
	cs, err := c.Containers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].DisplayName() != "web" || cs[0].Config.User != "1000" || cs[0].State.Pid != 77 {
		t.Fatalf("Containers = %+v (a container removed between list and inspect is skipped)", cs)
	}
	if _, err := c.GetRaw(ctx, "/nope"); err == nil || err.Error() != "docker API GET /nope: HTTP 500: boom" {
		t.Errorf("error answer: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o644)
	for _, tc := range []struct{ socket, want string }{
		{filepath.Join(dir, "missing.sock"), "no such socket"},
		{stale, "connection refused"},
		{plain, "connection refused"},
	} {
		_, err := NewClient(tc.socket).Info(context.Background())
		if err == nil {
			t.Fatalf("%s: no error", tc.socket)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "cannot reach the Docker Engine API at unix://"+tc.socket+": ") || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line mentioning %q", tc.socket, msg, tc.want)
		}
	}
}

func TestCaptureAndSnapshot(t *testing.T) {
	e := startEngine(t)
	out, err := Capture(context.Background(), e.Socket)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{host.CaptureDockerInfo, host.CaptureDockerVersion, host.CaptureDockerContainers} {
		if len(out[name]) == 0 {
			t.Errorf("capture lacks %s", name)
		}
	}
	if strings.Contains(string(out[host.CaptureDockerContainers]), "hunter2") {
		t.Error("captured containers keep an environment value")
	}
	var items []map[string]any
	if err := json.Unmarshal(out[host.CaptureDockerContainers], &items); err != nil || len(items) != 1 {
		t.Fatalf("containers.json: %v %s", err, out[host.CaptureDockerContainers])
	}
	env := items[0]["Config"].(map[string]any)["Env"].([]any)
	if env[1] != "DB_PASSWORD=<redacted>" {
		t.Errorf("redacted env = %v", env)
	}

	// Written into a snapshot, Load reads it back.
	root := t.TempDir()
	for name, b := range out {
		p := filepath.Join(root, host.CaptureDir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, b, 0o644)
	}
	s, err := Load(context.Background(), &host.FS{Root: root}, DefaultSocket)
	if err != nil {
		t.Fatal(err)
	}
	if s.Info == nil || s.Info.Driver != "overlay2" || s.Version == nil || len(s.Containers) != 1 || s.Containers[0].Name != "/web" {
		t.Fatalf("Load from snapshot = %+v", s)
	}
	if s.Source != "snapshot /kubeward/docker/containers.json" {
		t.Errorf("Source = %q", s.Source)
	}
	if ct := s.Containers[0]; !ct.ProcessesKnown || strings.Join(ct.Processes, ",") != "nginx,sshd" {
		t.Errorf("captured processes = %v (known %t)", ct.Processes, ct.ProcessesKnown)
	}
}

func TestLoad(t *testing.T) {
	e := startEngine(t)
	s, err := Load(context.Background(), &host.FS{Root: "/"}, e.Socket)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Containers) != 1 || s.Source != "Engine API unix://"+e.Socket {
		t.Fatalf("live Load = %+v", s)
	}
	if len(e.paths) != 6 || e.paths[2] != "/containers/json?all=1" || e.paths[5] != "/containers/0123456789abcdef0123/top" {
		t.Errorf("requests = %v", e.paths)
	}
	// The running container's process names, without their arguments.
	if ct := s.Containers[0]; !ct.ProcessesKnown || strings.Join(ct.Processes, ",") != "nginx,sshd" {
		t.Errorf("processes = %v (known %t)", ct.Processes, ct.ProcessesKnown)
	}
	// A host mounted under --root whose socket answers.
	mounted, err := os.MkdirTemp("", "kwroot")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(mounted)
	os.MkdirAll(filepath.Join(mounted, "var/run"), 0o755)
	startEngineAt(t, filepath.Join(mounted, "var/run/docker.sock"))
	s, err = Load(context.Background(), &host.FS{Root: mounted}, "/var/run/docker.sock")
	if err != nil || len(s.Containers) != 1 || s.Source != "Engine API unix:///var/run/docker.sock" {
		t.Fatalf("mounted host Load = %+v, %v", s, err)
	}
	// A snapshot without answers nor socket.
	root := t.TempDir()
	_, err = Load(context.Background(), &host.FS{Root: root}, "/var/run/docker.sock")
	if err == nil || !strings.Contains(err.Error(), "no Docker Engine API answers in "+root+"/kubeward/docker/containers.json") {
		t.Errorf("snapshot without answers: %v", err)
	}
	bad := t.TempDir()
	os.MkdirAll(filepath.Join(bad, "kubeward/docker"), 0o755)
	os.WriteFile(filepath.Join(bad, "kubeward/docker/containers.json"), []byte("{"), 0o644)
	if _, err := Load(context.Background(), &host.FS{Root: bad}, DefaultSocket); err == nil || !strings.Contains(err.Error(), "bad JSON") {
		t.Errorf("bad snapshot: %v", err)
	}
}
