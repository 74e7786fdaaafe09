package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeHardenServer is an API server with one namespace, "team", and nothing
// else. Server-side dry runs are refused with 400 unless dryRun is true;
// every request that would write (a PATCH, PUT, POST or DELETE without
// dryRun=All) is recorded.
func fakeHardenServer(t *testing.T, dryRun bool) (kubeconfig string, writes *[]string) {
	t.Helper()
	var mu sync.Mutex
	var w []string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodGet {
			if r.URL.Query().Get("dryRun") != "All" {
				mu.Lock()
				w = append(w, r.Method+" "+r.URL.Path)
				mu.Unlock()
			} else if !dryRun {
				rw.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(rw, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"BadRequest","code":400,"message":"dryRun is not supported"}`)
				return
			}
			// Echo the applied object as the dry run's answer.
			b := make([]byte, 1<<16)
			n, _ := r.Body.Read(b)
			rw.Write(b[:n])
			return
		}
		p := r.URL.Path
		switch {
		case p == "/version":
			fmt.Fprint(rw, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`)
		case p == "/api/v1/namespaces":
			fmt.Fprint(rw, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"team","uid":"u1"}}]}`)
		case strings.HasPrefix(p, "/apis/") && !knownGroup(p):
			// Not installed (custom resources): 404, as a real server says.
			rw.WriteHeader(http.StatusNotFound)
			fmt.Fprint(rw, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
		case strings.HasSuffix(p, "/secrets"):
			fmt.Fprint(rw, `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},"items":[]}`)
		case singleObject(p):
			rw.WriteHeader(http.StatusNotFound)
			fmt.Fprint(rw, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
		default:
			fmt.Fprint(rw, `{"metadata":{},"items":[]}`)
		}
	}))
	t.Cleanup(srv.Close)
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "`+srv.URL+`", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	return kc, &w
}

// singleObject reports whether an API path names one object (a GET of it
// answers 404 here: nothing exists but the namespace).
func singleObject(p string) bool {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	if segs[0] == "api" { // api/v1/namespaces/NAME or api/v1/namespaces/NS/RES/NAME
		return len(segs) == 4 || len(segs) == 6
	}
	return len(segs) == 5 && segs[3] != "namespaces" || len(segs) == 7
}

func knownGroup(p string) bool {
	for _, g := range []string{"apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "admissionregistration.k8s.io", "discovery.k8s.io", "scheduling.k8s.io"} {
		if strings.HasPrefix(p, "/apis/"+g+"/") {
			return true
		}
	}
	return false
}

func TestHardenClusterUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"harden", "cluster"}, "--out DIR (write the objects and show the diff) or --apply is required"},
		{[]string{"harden", "cluster", "--out", "x", "--record", "r.json"}, "--record names the undo record of --apply"},
		{[]string{"harden", "cluster", "--out", "x", "-n", ""}, "--namespace: must not be empty"},
		{[]string{"harden", "cluster", "--out", "x", "--lang", "fr"}, "--lang: unknown language"},
		{[]string{"harden", "cluster", "--out", "x", "--kubeconfig", "/nonexistent"}, "kubeconfig"},
		{[]string{"harden", "cluster", "--out", "x", "--include", "pods"}, "--include: unknown \"pods\" (namespaces, workloads)"},
		{[]string{"harden", "cluster", "--out", "x", "--include", ""}, "--include: name namespaces, workloads or both"},
		{[]string{"harden", "undo"}, "accepts 1 arg"},
		{[]string{"harden", "undo", "/nonexistent.json"}, "harden undo: record: open /nonexistent.json"},
	} {
		code, _, errs := run(t, "", tc.args...)
		if code != ExitUsage || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want exit 2 and one line with %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestHardenClusterRefusesWithoutDryRun: a server that refuses server-side
// dry runs gets nothing applied, with or without --apply, and no record.
func TestHardenClusterRefusesWithoutDryRun(t *testing.T) {
	kc, writes := fakeHardenServer(t, false)
	dir := t.TempDir()
	record := filepath.Join(dir, "undo.json")
	for _, args := range [][]string{
		{"harden", "cluster", "--kubeconfig", kc, "--out", filepath.Join(dir, "out")},
		{"harden", "cluster", "--kubeconfig", kc, "--apply", "--record", record},
	} {
		code, _, errs := run(t, "", args...)
		if code != ExitUsage || !strings.Contains(errs, "server-side dry run of Namespace/team") || !strings.Contains(errs, "applies nothing it cannot dry-run first") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if len(*writes) != 0 {
		t.Errorf("writes reached the server: %v", *writes)
	}
	if _, err := os.Stat(record); err == nil {
		t.Error("a record was written though nothing was applied")
	}
}

// TestHardenClusterDryRunOnly: without --apply, the objects go to --out, the
// diff to stdout, and nothing is written to the server.
func TestHardenClusterDryRunOnly(t *testing.T) {
	kc, writes := fakeHardenServer(t, true)
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errs := run(t, "", "harden", "cluster", "--kubeconfig", kc, "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"--- /dev/null", "+++ kubeward/team/networkpolicy/kubeward-default-deny", "+++ kubeward/team/resourcequota/kubeward-quota"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(errs, "objects would change on") {
		t.Errorf("stderr: %s", errs)
	}
	if b, err := os.ReadFile(layerFile(out, "team")); err != nil || !strings.Contains(string(b), "kind: LimitRange") {
		t.Errorf("namespace-team.yaml: %v\n%s", err, b)
	}
	if len(*writes) != 0 {
		t.Errorf("writes reached the server without --apply: %v", *writes)
	}
}

func TestHardenUndoRefusesAnotherServer(t *testing.T) {
	kc, writes := fakeHardenServer(t, true)
	rec := filepath.Join(t.TempDir(), "undo.json")
	os.WriteFile(rec, []byte(`{"kind":"KubewardHardenRecord","version":1,"server":"https://10.0.0.1:6443","entries":[]}`), 0o600)
	code, _, errs := run(t, "", "harden", "undo", "--kubeconfig", kc, rec)
	if code != ExitUsage || !strings.Contains(errs, "was made against https://10.0.0.1:6443, but the kubeconfig points at") {
		t.Errorf("exit %d: %s", code, errs)
	}
	os.WriteFile(rec, []byte("{\n\"kind\": 1}"), 0o600)
	code, _, errs = run(t, "", "harden", "undo", "--kubeconfig", kc, rec)
	if code != ExitUsage || !strings.Contains(errs, "record "+rec+":2: ") {
		t.Errorf("bad record: exit %d: %s", code, errs)
	}
	if len(*writes) != 0 {
		t.Errorf("writes: %v", *writes)
	}
}
