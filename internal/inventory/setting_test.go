package inventory

import "testing"

func TestSettingResolution(t *testing.T) {
	kubelet := &Component{Kind: Kubelet, PID: 7, Flags: map[string][]string{"read-only-port": {"10255", "0"}},
		ConfigFile: "/var/lib/kubelet/config.yaml", Config: map[string]any{"authentication": map[string]any{"anonymous": map[string]any{"enabled": false}}}}
	bare := &Component{Kind: Kubelet, PID: 8}
	etcd := &Component{Kind: Etcd, PID: 9, Env: map[string]string{"ETCD_CLIENT_CERT_AUTH": "true"}}
	dockerd := &Component{Kind: Dockerd, PID: 10, Flags: map[string][]string{"log-opt": {"max-size=10m", "max-file=3"}},
		ConfigFile: "/etc/docker/daemon.json", Config: map[string]any{"insecure-registries": []any{"a:5000", "b:5000"}},
		Env: map[string]string{"DOCKER_TLS_VERIFY": "yes"}}
	for _, tc := range []struct {
		c                     *Component
		name, value, from, at string
		set                   bool
	}{
		{kubelet, "read-only-port", "0", "flag --read-only-port", "/proc/7/cmdline --read-only-port", true},
		{kubelet, "anonymous-auth", "false", "config /var/lib/kubelet/config.yaml key authentication.anonymous.enabled", "/var/lib/kubelet/config.yaml authentication.anonymous.enabled", true},
		{kubelet, "authorization-mode", "Webhook", "default", "/var/lib/kubelet/config.yaml authorization.mode", false},
		{bare, "authorization-mode", "AlwaysAllow", "default", "/proc/8/cmdline --authorization-mode", false},
		{etcd, "client-cert-auth", "true", "env ETCD_CLIENT_CERT_AUTH", "/proc/9/cmdline ETCD_CLIENT_CERT_AUTH", true},
		{etcd, "data-dir", "${name}.etcd", "default", "/proc/9/cmdline --data-dir", false},
		{dockerd, "log-opt", "max-file=3,max-size=10m", "flag --log-opt", "/proc/10/cmdline --log-opt", true},
		{dockerd, "insecure-registry", "a:5000,b:5000", "daemon.json key insecure-registries", "/etc/docker/daemon.json insecure-registries", true},
		{dockerd, "tlsverify", "true", "env DOCKER_TLS_VERIFY", "/proc/10/cmdline DOCKER_TLS_VERIFY", true},
		{dockerd, "icc", "true", "default", "/etc/docker/daemon.json icc", false},
	} {
		s := tc.c.Setting(tc.name)
		if s.Value != tc.value || s.From != tc.from || s.File+" "+s.Key != tc.at || s.Set != tc.set {
			t.Errorf("%s %s = %+v, want %q from %q at %q (set %v)", tc.c.Kind, tc.name, s, tc.value, tc.from, tc.at, tc.set)
		}
	}
	if got := kubelet.Setting("read-only-port").Evidence("read-only-port"); got != "read-only-port=0 (flag --read-only-port)" {
		t.Errorf("evidence %q", got)
	}
}
