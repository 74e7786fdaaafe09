package host

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFSPathResolvesLinksInsideRoot(t *testing.T) {
	root := t.TempDir()
	mk := func(p, data string) {
		t.Helper()
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	mk("run/docker.sock.txt", "host run")
	mk("srv/k8s/admin.conf", "host kubeconfig")
	mk("etc/kubernetes/pki/ca.crt", "host ca")
	link("/run", "var/run")                          // Debian: absolute target
	link("/srv/k8s", "etc/kubernetes/conf")          // absolute, deeper
	link("../../srv/k8s/admin.conf", "etc/k8s.conf") // relative
	link("/../../../../etc", "escape")               // tries to leave the root

	f := &FS{Root: root}
	tests := []struct {
		path string
		want string // content read through f, "" when it must not be found
	}{
		{"/var/run/docker.sock.txt", "host run"},
		{"/etc/kubernetes/conf/admin.conf", "host kubeconfig"},
		{"/etc/k8s.conf", "host kubeconfig"},
		{"/etc/kubernetes/pki/ca.crt", "host ca"},
		{"/escape/kubernetes/pki/ca.crt", "host ca"}, // "/.." is "/" inside the root too
		{"/escape/passwd", ""},                       // never the auditing machine's /etc/passwd
		{"/missing/file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := f.ReadFile(tt.path)
			if tt.want == "" {
				if err == nil {
					t.Errorf("read %q through %s, want not found", got, f.Path(tt.path))
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// /proc is joined as is so that magic links reach the kernel.
	if got, want := f.Path("/proc/1/root/etc/hosts"), filepath.Join(root, "proc/1/root/etc/hosts"); got != want {
		t.Errorf("proc path %s, want %s", got, want)
	}
	// Without a root nothing changes.
	if got := (&FS{}).Path("/var/run/x"); got != "/var/run/x" {
		t.Errorf("no root: %s", got)
	}
}
