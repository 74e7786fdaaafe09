package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

func TestParseAuditWatches(t *testing.T) {
	rules := `# docker
-w /usr/bin/dockerd -k docker
-w /var/lib/docker/ -p wa -k docker

-a always,exit -F path=/usr/bin/runc -F perm=x -k docker
-a always,exit -F dir=/etc/docker -F perm=wa
-W /etc/default/docker
-w relative -k x
-w/etc/sysconfig/docker
`
	got := ParseAuditWatches("/etc/audit/rules.d/docker.rules", []byte(rules))
	var paths []string
	for _, w := range got {
		paths = append(paths, w.Path)
	}
	want := "/usr/bin/dockerd /var/lib/docker /usr/bin/runc /etc/docker /etc/sysconfig/docker"
	if strings.Join(paths, " ") != want {
		t.Errorf("watches = %v, want %s", paths, want)
	}
	if got[0].Line != 2 || got[2].Line != 5 || got[0].File != "/etc/audit/rules.d/docker.rules" {
		t.Errorf("lines = %+v", got)
	}
	h := &inventory.DockerHost{AuditRules: got}
	if len(h.Watches("/var/lib/docker/containers")) != 1 || len(h.Watches("/var/lib/dockerd")) != 0 || len(h.Watches("/etc/default/docker")) != 0 {
		t.Errorf("Watches: %+v", h.AuditRules)
	}
}

func FuzzParseAuditWatches(f *testing.F) {
	f.Add([]byte("-w /usr/bin/dockerd -k docker\n-a always,exit -F path=/usr/bin/runc\n"))
	f.Add([]byte("-F\n-w\n-w/x\n# c\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, w := range ParseAuditWatches("f", data) {
			if !strings.HasPrefix(w.Path, "/") || w.Line < 1 {
				t.Fatalf("bad watch %+v", w)
			}
		}
	})
}

func TestDockerHostFacts(t *testing.T) {
	root := t.TempDir()
	write := func(p, data string, mode os.FileMode) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(full, mode); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/group", "root:x:0:\ndocker:x:998:alice,bob\n", 0o644)
	write("etc/passwd", "root:x:0:0::/root:/bin/sh\ncarol:x:1003:998::/home/carol:/bin/sh\n", 0o644)
	write("etc/audit/rules.d/docker.rules", "-w /usr/sbin/dockerd -k docker\n", 0o640)
	write("lib/systemd/system/docker.service", "[Service]\n", 0o666)
	write("usr/sbin/dockerd", "", 0o755)
	write("etc/docker/daemon.json", "{}", 0o600)
	write("etc/docker/certs.d/reg.example:5000/ca.crt", "x", 0o644)
	n := &inventory.Node{}
	g := &gatherer{f: &host.FS{Root: root}, n: n}
	d := &inventory.Component{Kind: inventory.Dockerd}
	g.dockerHost([]*inventory.Component{d})
	h := n.DockerHost
	if !h.GroupFound || strings.Join(h.GroupMembers, ",") != "alice,bob,carol" {
		t.Errorf("group = %t %v", h.GroupFound, h.GroupMembers)
	}
	if len(h.AuditRules) != 1 || h.AuditFiles[0] != "/etc/audit/rules.d/docker.rules" {
		t.Errorf("audit = %+v %v", h.AuditRules, h.AuditFiles)
	}
	for role, want := range map[string]string{
		"docker.service":       "/lib/systemd/system/docker.service",
		"docker.socket":        "/etc/systemd/system/docker.socket", // absent: the first candidate
		"dockerd":              "/usr/sbin/dockerd",
		"daemon.json":          "/etc/docker/daemon.json",
		"registry certificate": "/etc/docker/certs.d/reg.example:5000/ca.crt",
	} {
		if got := h.FilesOf(role); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %v, want %s", role, got, want)
		}
	}
	if f := n.File(0, "/lib/systemd/system/docker.service"); f == nil || !f.Present || f.Mode != 0o666 {
		t.Errorf("docker.service facts = %+v", f)
	}
	if f := n.File(0, "/etc/systemd/system/docker.socket"); f == nil || f.Present || !f.Absent {
		t.Errorf("docker.socket facts = %+v", f)
	}
}

func TestKubeFiles(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"lib/systemd/system/kubelet.service", "etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
		"etc/systemd/system/kubelet.service.d/notes.txt", "etc/kubernetes/admin.conf"} {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := &inventory.Node{Components: []*inventory.Component{{Kind: inventory.Kubelet, PID: 0, Source: "process"}, {Kind: inventory.APIServer}}}
	g := &gatherer{f: &host.FS{Root: root}, n: n}
	g.kubeFiles()
	if strings.Join(n.KubeletUnits, ",") != "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf,/lib/systemd/system/kubelet.service" {
		t.Errorf("units = %v", n.KubeletUnits)
	}
	if strings.Join(n.AdminKubeconfigs, ",") != "/etc/kubernetes/admin.conf" {
		t.Errorf("admin kubeconfigs = %v", n.AdminKubeconfigs)
	}
	if f := n.File(0, "/etc/kubernetes/admin.conf"); f == nil || !f.Present {
		t.Errorf("admin.conf facts = %+v", f)
	}
}
