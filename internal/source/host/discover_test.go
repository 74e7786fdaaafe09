package host

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tree writes files (path -> content) under root; a content starting with
// "->" makes a symlink.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "->"); ok {
			if err := os.Symlink(target, full); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func proc(pid, exe string, args []string, env ...string) map[string]string {
	return map[string]string{
		"proc/" + pid + "/cmdline": strings.Join(args, "\x00") + "\x00",
		"proc/" + pid + "/environ": strings.Join(env, "\x00"),
		"proc/" + pid + "/stat":    pid + " (" + filepath.Base(exe) + ") S 1 1 1",
		"proc/" + pid + "/exe":     "->" + exe,
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestDiscoverThreeSources(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, merge(
		proc("100", "/usr/local/bin/etcd", []string{"etcd", "--cert-file=/pki/etcd.crt", "--client-cert-auth", "--name", "n1"}, "ETCD_KEY_FILE=/pki/etcd.key"),
		proc("200", "/usr/sbin/sshd", []string{"sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"}),
		proc("201", "/usr/sbin/sshd", []string{"sshd: alice [priv]"}),
		map[string]string{
			"proc/201/stat": "201 (sshd) S 200 1 1",
			"etc/hostname":  "cp-1\n",
			// The kubelet is not running: its systemd unit is the source.
			"lib/systemd/system/kubelet.service":                   "[Service]\nExecStart=/usr/bin/kubelet\n",
			"etc/systemd/system/kubelet.service.d/10-kubeadm.conf": "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS --config=/var/lib/kubelet/config.yaml $KUBELET_KUBEADM_ARGS\n",
			"var/lib/kubelet/kubeadm-flags.env":                    "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --read-only-port=10255\"\n",
			"var/lib/kubelet/config.yaml":                          "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstaticPodPath: /etc/kubernetes/manifests\nreadOnlyPort: 0\nauthentication:\n  anonymous:\n    enabled: false\n",
			// The API server is not visible as a process: its static pod is the source.
			"etc/kubernetes/manifests/kube-apiserver.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers:\n  - name: kube-apiserver\n    command: [kube-apiserver, --anonymous-auth=false, --etcd-servers=https://127.0.0.1:2379]\n    env: [{name: GOMAXPROCS, value: \"2\"}]\n",
		},
	))
	n := Discover(&FS{Root: root})
	if n.Hostname != "cp-1" {
		t.Errorf("hostname %q", n.Hostname)
	}
	byKind := map[string]int{}
	for _, c := range n.Components {
		byKind[c.Kind]++
	}
	if byKind[SSHD] != 1 {
		t.Errorf("sshd listeners = %d, want 1 (children excluded)", byKind[SSHD])
	}
	tests := []struct {
		kind, source, flag, want string
	}{
		{Etcd, "process", "cert-file", "/pki/etcd.crt"},
		{Etcd, "process", "client-cert-auth", "true"},
		{Etcd, "process", "name", "n1"},
		{APIServer, "static pod", "anonymous-auth", "false"},
		{Kubelet, "systemd unit", "kubeconfig", "/etc/kubernetes/kubelet.conf"},
		{Kubelet, "systemd unit", "read-only-port", "10255"},
		{Kubelet, "systemd unit", "config", "/var/lib/kubelet/config.yaml"},
	}
	for _, tc := range tests {
		cs := n.ComponentsOf(tc.kind)
		if len(cs) != 1 {
			t.Errorf("%s: %d components", tc.kind, len(cs))
			continue
		}
		c := cs[0]
		if c.Source != tc.source {
			t.Errorf("%s source %q, want %q", tc.kind, c.Source, tc.source)
		}
		if v, _ := c.Flag(tc.flag); v != tc.want {
			t.Errorf("%s --%s = %q, want %q", tc.kind, tc.flag, v, tc.want)
		}
	}
	k := n.ComponentsOf(Kubelet)[0]
	if k.SourceFile != "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf" {
		t.Errorf("kubelet source file %q", k.SourceFile)
	}
	if v, ok := k.ConfigValue("authentication.anonymous.enabled"); !ok || v != false {
		t.Errorf("kubelet config not parsed: %v %v", v, ok)
	}
	if e := n.ComponentsOf(Etcd)[0]; e.Env["ETCD_KEY_FILE"] != "/pki/etcd.key" {
		t.Errorf("etcd env %v", e.Env)
	}
}

func TestDiscoverReportsMissingConfigFile(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, proc("300", "/usr/bin/kubelet", []string{"kubelet", "--config=/nope/config.yaml"}))
	n := Discover(&FS{Root: root})
	if len(n.Problems) != 1 || !strings.Contains(n.Problems[0], "/nope/config.yaml") {
		t.Errorf("problems %v", n.Problems)
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args []string
		flag string
		want []string
	}{
		{[]string{"--a=1", "--a=2"}, "a", []string{"1", "2"}},
		{[]string{"--kubeconfig", "/k", "--profiling"}, "kubeconfig", []string{"/k"}},
		{[]string{"--profiling", "--x=1"}, "profiling", []string{"true"}},
		{[]string{"--anonymous-auth", "positional"}, "anonymous-auth", []string{"true"}},
		{[]string{"-H", "unix:///var/run/docker.sock", "-H", "tcp://0.0.0.0:2375"}, "H", []string{"unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"}},
		{[]string{"--x="}, "x", []string{""}},
	}
	for _, tc := range tests {
		got := ParseFlags(tc.args)[tc.flag]
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ParseFlags(%v)[%s] = %v, want %v", tc.args, tc.flag, got, tc.want)
		}
	}
}

func FuzzParseFlags(f *testing.F) {
	f.Add("--a=1\x00--b\x00c\x00-H\x00x")
	f.Fuzz(func(t *testing.T, s string) {
		ParseFlags(strings.Split(s, "\x00"))
	})
}
