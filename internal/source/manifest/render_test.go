package manifest

import (
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/inventory"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const chartYAML = "apiVersion: v2\nname: c\nversion: 0.1.0\n"

// loadErrors runs Load on dir and returns its errors as strings, failing
// when any object came through.
func loadErrors(t *testing.T, dir string, opts Options) []string {
	t.Helper()
	objects := 0
	st := Load([]string{dir}, opts, func(*inventory.Object) { objects++ })
	var errs []string
	for _, e := range st.Errors {
		errs = append(errs, e.Error())
	}
	if objects != 0 || len(errs) == 0 {
		t.Fatalf("%d objects, errors %q; want an error and no objects", objects, errs)
	}
	for _, e := range errs {
		if strings.Contains(e, "\n") {
			t.Errorf("error on several lines: %q", e)
		}
	}
	return errs
}

func TestChartRenderTimeout(t *testing.T) {
	dir := t.TempDir()
	// 125 million empty iterations: about two seconds of work, long after
	// the limit (9 million took about 200ms, the limit itself, and the
	// test failed now and then).
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":        chartYAML,
		"templates/cm.yaml": "{{ range until 500 }}{{ range until 500 }}{{ range until 500 }}{{ end }}{{ end }}{{ end }}apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
	})
	start := time.Now()
	errs := loadErrors(t, dir, Options{RenderTimeout: 200 * time.Millisecond})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %s with a 200ms limit", took)
	}
	if !strings.Contains(errs[0], dir) || !strings.Contains(errs[0], "timed out after 200ms") {
		t.Errorf("error %q does not name the chart and the limit", errs[0])
	}
}

func TestChartOutputCap(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":        chartYAML,
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  big: {{ repeat 3000000 \"x\" | quote }}\n",
	})
	defer func(old int) { maxRenderBytes = old }(maxRenderBytes)
	maxRenderBytes = 1 << 20
	errs := loadErrors(t, dir, Options{})
	if !strings.Contains(errs[0], dir) || !strings.Contains(errs[0], "over the 1 MiB limit") {
		t.Errorf("error %q", errs[0])
	}
}

func TestChartSymlinkOutsideRefused(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(outside, []byte("host-token-s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":        chartYAML,
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  t: {{ .Files.Get \"files/token\" | quote }}\n",
		"files/inside.txt":  "fine",
	})
	if err := os.Symlink(outside, filepath.Join(dir, "files", "token")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("inside.txt", filepath.Join(dir, "files", "ok")); err != nil {
		t.Fatal(err)
	}
	errs := loadErrors(t, dir, Options{})
	if !strings.Contains(errs[0], "files/token") || !strings.Contains(errs[0], "outside the chart") || strings.Contains(errs[0], "s3cr3t") {
		t.Errorf("error %q", errs[0])
	}
	// A link that stays inside the chart is read.
	os.Remove(filepath.Join(dir, "files", "token"))
	if _, err := renderChart(dir, Options{}); err != nil {
		t.Errorf("chart with an inside link: %v", err)
	}
}

func TestChartMissingDependency(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":        chartYAML + "dependencies:\n- name: redis\n  version: 1.0.0\n  repository: https://charts.example.com\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
	})
	errs := loadErrors(t, dir, Options{})
	if !strings.HasPrefix(errs[0], dir+": ") || !strings.Contains(errs[0], "found in Chart.yaml, but missing in charts/ directory: redis") {
		t.Errorf("error %q", errs[0])
	}
}

func TestKustomizeRemoteRefused(t *testing.T) {
	for _, ref := range []string{
		"https://127.0.0.1:1/deploy.yaml",
		"github.com/example/repo//deploy?ref=v1",
		"git@github.com:example/repo.git",
	} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"kustomization.yaml": "resources:\n- " + ref + "\n"})
		errs := loadErrors(t, dir, Options{})
		if !strings.Contains(errs[0], ref) || !strings.Contains(errs[0], "--allow-remote") {
			t.Errorf("%s: error %q", ref, errs[0])
		}
	}
	// Local resources that do not exist are kustomize's error, not a remote one.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kustomization.yaml": "resources:\n- missing.yaml\n"})
	if errs := loadErrors(t, dir, Options{}); strings.Contains(errs[0], "--allow-remote") {
		t.Errorf("missing local file reported as remote: %q", errs[0])
	}
}

func TestKustomizeRemoteServerNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold the connection, never answer
		}
	}()
	dir := t.TempDir()
	url := "http://" + ln.Addr().String() + "/deploy.yaml"
	writeFiles(t, dir, map[string]string{"kustomization.yaml": "resources:\n- " + url + "\n"})
	start := time.Now()
	errs := loadErrors(t, dir, Options{AllowRemote: true, RenderTimeout: 500 * time.Millisecond})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %s with a 500ms limit", took)
	}
	if !strings.Contains(errs[0], "kustomization.yaml") {
		t.Errorf("error %q does not name the kustomization", errs[0])
	}
}

func TestRemoteFetchSizeCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 10<<10)))
	}))
	defer srv.Close()
	c := &http.Client{Transport: &limitedTransport{next: http.DefaultTransport, timeout: 5 * time.Second, max: 1 << 10}}
	resp, err := c.Get(srv.URL)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("10 KiB body with a 1 KiB cap: %v", err)
	}
}

func TestKustomizeErrorsHideSecretLiterals(t *testing.T) {
	cases := map[string]string{
		"missing resource": "resources:\n- missing.yaml\nsecretGenerator:\n- name: db\n  literals: [password=hunter2]\n",
		"bad literal":      "secretGenerator:\n- name: db\n  literals: [password hunter2]\n",
		"duplicate key":    "secretGenerator:\n- name: db\n  literals: [password=hunter2, password=hunter2]\n",
		"bad env file":     "secretGenerator:\n- name: db\n  envs: [db.env]\nresources: [missing.yaml]\n",
	}
	for name, k := range cases {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"kustomization.yaml": k, "db.env": "password=hunter2\n"})
		errs := loadErrors(t, dir, Options{})
		for _, e := range errs {
			if strings.Contains(e, "hunter2") || strings.Contains(e, base64.StdEncoding.EncodeToString([]byte("hunter2"))) {
				t.Errorf("%s: error shows the secret: %q", name, e)
			}
		}
		t.Logf("%s: %s", name, errs[0])
	}
}

// Side files read around a kustomize build (env files for redaction, the
// kustomization, sources for locating) are regular files of bounded size:
// a pipe or /dev/zero named as one neither blocks nor fills memory, and an
// env file outside the kustomization is not read.
func TestSideFilesBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.env")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	outside := filepath.Join(t.TempDir(), "outside.env")
	if err := os.WriteFile(outside, []byte("TOKEN=outside-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	kust := "secretGenerator:\n- name: s\n  envs: [fifo.env, /dev/zero, " + outside + "]\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kust), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan *kustTree, 1)
	go func() {
		tree, _ := readKustTree(dir)
		done <- tree
	}()
	select {
	case tree := <-done:
		if len(tree.secrets) != 0 {
			t.Errorf("secrets read from a pipe, a device or outside the kustomization: %q", tree.secrets)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("readKustTree blocked on a pipe or /dev/zero")
	}
	for _, p := range []string{fifo, "/dev/zero", dir} {
		if _, err := readRegularFile(p, 1<<20); !errors.Is(err, errNotRegular) {
			t.Errorf("readRegularFile(%s): %v, want %v", p, err, errNotRegular)
		}
	}
}
