package runtime

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeward/kubeward/internal/check"
	_ "github.com/kubeward/kubeward/internal/check/controlplane" // registers the node checks
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

// fixture is a node under a fake root, as a snapshot or a mounted host:
// processes in proc/PID, files, captured Engine API answers.
type fixture struct {
	dockerd    []string // dockerd's arguments; nil: no dockerd
	dockerEnv  map[string]string
	daemonJSON string // testdata file or literal JSON for /etc/docker/daemon.json
	containerd []string
	ctrdConfig string // testdata file or literal TOML for /etc/containerd/config.toml
	files      map[string]string
	socket     string      // a unix socket to create (host path)
	socketMode os.FileMode // its mode
	socketGID  int         // its group (requires root)
	noCapture  bool        // no captured Engine API answers
}

const (
	mountsSeparate = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
		"30 22 254:16 / /var/lib/docker rw,relatime shared:2 - xfs /dev/vdb rw\n" +
		"31 30 254:16 /overlay2 /var/lib/docker/overlay2 rw,relatime - xfs /dev/vdb rw\n"
	// dockerd bind-mounts its data root on itself: same device as its parent.
	mountsShared = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
		"42 22 254:0 /var/lib/docker /var/lib/docker rw,relatime - ext4 /dev/vda rw\n"
	groupFile = "root:x:0:\nstaff:x:50:\ndocker:x:999:\n"
)

func content(t *testing.T, s string) string {
	if strings.HasSuffix(s, ".json") || strings.HasSuffix(s, ".toml") {
		b, err := os.ReadFile(filepath.Join("testdata", s))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return s
}

func write(t *testing.T, root, p, data string) {
	t.Helper()
	full := filepath.Join(root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func process(t *testing.T, root string, pid int, args []string, env map[string]string) {
	dir := filepath.Join("/proc", string(rune('0'+pid/100%10))+string(rune('0'+pid/10%10))+string(rune('0'+pid%10)))
	write(t, root, dir+"/cmdline", strings.Join(args, "\x00")+"\x00")
	var kv []string
	for k, v := range env {
		kv = append(kv, k+"="+v)
	}
	write(t, root, dir+"/environ", strings.Join(kv, "\x00"))
}

func (fx fixture) build(t *testing.T) *host.FS {
	t.Helper()
	root, err := os.MkdirTemp("", "kwrt") // short: unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	write(t, root, "/etc/hostname", "node1\n")
	write(t, root, "/etc/group", groupFile)
	write(t, root, "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
	if fx.dockerd != nil {
		process(t, root, 100, append([]string{"dockerd"}, fx.dockerd...), fx.dockerEnv)
	}
	if fx.daemonJSON != "" {
		write(t, root, "/etc/docker/daemon.json", content(t, fx.daemonJSON))
	}
	if fx.containerd != nil {
		process(t, root, 200, append([]string{"containerd"}, fx.containerd...), nil)
	}
	if fx.ctrdConfig != "" {
		write(t, root, "/etc/containerd/config.toml", content(t, fx.ctrdConfig))
	}
	if !fx.noCapture {
		write(t, root, "/kubeward/docker/containers.json", "[]")
		write(t, root, "/kubeward/docker/info.json", `{"Driver":"overlay2","RegistryConfig":{"InsecureRegistryCIDRs":["127.0.0.0/8"]}}`)
	}
	for p, data := range fx.files {
		write(t, root, p, content(t, data))
	}
	if fx.socket != "" {
		p := filepath.Join(root, fx.socket)
		os.MkdirAll(filepath.Dir(p), 0o755)
		l, err := net.Listen("unix", p)
		if err != nil {
			t.Fatal(err)
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		l.Close()
		if err := os.Chmod(p, fx.socketMode); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Chown(p, 0, fx.socketGID); err != nil {
				t.Fatal(err)
			}
		}
	}
	return &host.FS{Root: root}
}

func env() *check.Env { return &check.Env{Config: config.Default(), Now: time.Now()} }

// scan discovers the fixture node and returns the runtime results by ID.
func scan(t *testing.T, f *host.FS) map[string][]result.Result {
	t.Helper()
	n := nodesrc.Read(f)
	return evaluate(n, f)
}

func evaluate(n *inventory.Node, f *host.FS) map[string][]result.Result {
	out := map[string][]result.Result{}
	for _, r := range check.EvaluateNode(env(), nodesrc.Gather(f, n)) {
		if strings.HasPrefix(r.ID, "KW-DOCKER-") || strings.HasPrefix(r.ID, "KW-CTR-") || strings.HasPrefix(r.ID, "KW-CTRD-") {
			out[r.ID] = append(out[r.ID], r)
		}
	}
	return out
}

func one(t *testing.T, rs map[string][]result.Result, id string) result.Result {
	t.Helper()
	if len(rs[id]) != 1 {
		t.Fatalf("%s: %d results, want 1: %+v", id, len(rs[id]), rs[id])
	}
	return rs[id][0]
}

func insecureDaemon() fixture {
	return fixture{
		dockerd:    []string{"--containerd=/run/containerd/containerd.sock"},
		daemonJSON: "daemon-insecure.json",
		files:      map[string]string{"/proc/1/mountinfo": mountsShared},
		socket:     "/var/run/docker.sock", socketMode: 0o666, socketGID: 999,
	}
}

func hardenedDaemon() fixture {
	return fixture{
		dockerd:    []string{"--containerd=/run/containerd/containerd.sock"},
		dockerEnv:  map[string]string{"DOCKER_CONTENT_TRUST": "1", "PATH": "/usr/bin"},
		daemonJSON: "daemon-hardened.json",
		files:      map[string]string{"/proc/1/mountinfo": mountsSeparate},
		socket:     "/var/run/docker.sock", socketMode: 0o660, socketGID: 999,
	}
}

// TestDaemonProfiles: every daemon check fails on the insecure daemon.json
// (content trust warns: it is a client setting) and passes on the hardened one.
func TestDaemonProfiles(t *testing.T) {
	rs := scan(t, insecureDaemon().build(t))
	for _, id := range DaemonIDs {
		r := one(t, rs, id)
		want := result.Fail
		if id == DaemonContentTrust {
			want = result.Warn
		}
		if r.Status != want {
			t.Errorf("insecure %s = %s (%s; %s), want %s", id, r.Status, r.Message.EN, r.Evidence, want)
		}
		if r.Message.EN == "" || r.Message.ZH == "" {
			t.Errorf("insecure %s: message lacks a language: %+v", id, r.Message)
		}
		if r.Subject.Kind != host.Dockerd || r.Subject.Name != "node1 (pid 100)" {
			t.Errorf("insecure %s: subject %+v", id, r.Subject)
		}
		if strings.Contains(r.Evidence+r.Message.EN, "do-not-print-me") {
			t.Errorf("insecure %s: a log option's token reached the report: %s", id, r.Evidence)
		}
	}
	for id, want := range map[string]string{
		DaemonTCP:         "hosts=unix:///var/run/docker.sock,tcp://0.0.0.0:2375 (daemon.json key hosts); tlsverify=false (default)",
		DaemonSocketPerms: "/var/run/docker.sock root:docker 0666",
		DaemonAufs:        "storage-driver=aufs (daemon.json key storage-driver)",
		DaemonPartition:   "data-root=/var/lib/docker (default): /var/lib/docker on /var/lib/docker (ext4 /dev/vda, device 254:0), its parent on / (device 254:0)",
		DaemonICC:         "icc=true (daemon.json key icc)",
		DaemonUserns:      "userns-remap=<unset> (default)",
		DaemonLogLimits:   "log-opts=(+2 other options) (daemon.json key log-opts)",
		DaemonInsecureReg: "insecure-registries=registry.local:5000,10.0.0.0/8 (daemon.json key insecure-registries)",
	} {
		if ev := one(t, rs, id).Evidence; !strings.Contains(ev, want) {
			t.Errorf("insecure %s evidence %q, want %q", id, ev, want)
		}
	}
	if l := one(t, rs, DaemonTCP).Location; l == nil || l.File != "/etc/docker/daemon.json" || l.Path != "hosts" {
		t.Errorf("KW-DOCKER-001 location %+v", l)
	}
	if os.Geteuid() != 0 {
		t.Log("not root: the socket cannot be owned by root; KW-DOCKER-002 is not asserted to pass")
	}
	rs = scan(t, hardenedDaemon().build(t))
	for _, id := range DaemonIDs {
		if id == DaemonSocketPerms && os.Geteuid() != 0 {
			continue
		}
		if r := one(t, rs, id); r.Status != result.Pass {
			t.Errorf("hardened %s = %s (%s; %s), want PASS", id, r.Status, r.Message.EN, r.Evidence)
		}
	}
	if ev := one(t, rs, DaemonContentTrust).Evidence; ev != "DOCKER_CONTENT_TRUST=1 (dockerd environment)" {
		t.Errorf("content trust evidence %q", ev)
	}
	if ev := one(t, rs, DaemonPartition).Evidence; !strings.Contains(ev, "on /var/lib/docker (xfs /dev/vdb, device 254:16), its parent on / (device 254:0)") {
		t.Errorf("partition evidence %q", ev)
	}
}

// TestDaemonSettings covers where each setting is read from and the
// variants the two profiles do not.
func TestDaemonSettings(t *testing.T) {
	unit := "[Socket]\nListenStream=/run/docker.sock\nListenStream=0.0.0.0:2375\n"
	tests := []struct {
		name     string
		mutate   func(*fixture)
		id       string
		want     result.Status
		evidence string
	}{
		{"flag beats daemon.json", func(f *fixture) { f.dockerd = append(f.dockerd, "--icc=false") }, DaemonICC, result.Pass, "icc=false (flag --icc)"},
		{"daemon.json icc false", func(f *fixture) { f.daemonJSON = `{"icc": false}` }, DaemonICC, result.Pass, "icc=false (daemon.json key icc)"},
		{"icc default", func(f *fixture) { f.daemonJSON = "" }, DaemonICC, result.Fail, "icc=true (default)"},
		{"tcp flag", func(f *fixture) { f.daemonJSON = ""; f.dockerd = append(f.dockerd, "-H", "tcp://0.0.0.0:2376") }, DaemonTCP, result.Fail, "hosts=tcp://0.0.0.0:2376 (flag -H)"},
		{"tcp with verified TLS", func(f *fixture) {
			f.daemonJSON = ""
			f.dockerd = append(f.dockerd, "-H", "unix://", "-H", "tcp://0.0.0.0:2376", "--tlsverify", "--tlscacert=/etc/docker/ca.pem")
		}, DaemonTCP, result.Pass, "tlsverify=true (flag --tlsverify); tlscacert=/etc/docker/ca.pem (flag --tlscacert)"},
		{"tcp with tlsverify but no CA", func(f *fixture) {
			f.daemonJSON = `{"hosts": ["tcp://10.0.0.1:2376"], "tlsverify": true}`
		}, DaemonTCP, result.Fail, "tlscacert=<unset> (default)"},
		{"tls from the environment", func(f *fixture) {
			f.daemonJSON = ""
			f.dockerd = append(f.dockerd, "-H", "tcp://0.0.0.0:2376")
			f.dockerEnv = map[string]string{"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/etc/docker/tls"}
		}, DaemonTCP, result.Pass, "tlscacert=/etc/docker/tls/ca.pem (env DOCKER_CERT_PATH)"},
		{"unix socket only", func(f *fixture) { f.daemonJSON = "" }, DaemonTCP, result.Pass, "hosts=unix:///var/run/docker.sock (default)"},
		{"socket activation with a TCP stream", func(f *fixture) {
			f.daemonJSON = ""
			f.dockerd = append(f.dockerd, "-H", "fd://")
			f.files["/lib/systemd/system/docker.socket"] = unit
		}, DaemonTCP, result.Fail, "hosts=unix:///run/docker.sock,tcp://0.0.0.0:2375 (systemd socket unit /lib/systemd/system/docker.socket)"},
		{"socket root:root 0600", func(f *fixture) { f.socketMode, f.socketGID = 0o600, 0 }, DaemonSocketPerms, result.Pass, "root:root 0600"},
		{"socket group staff", func(f *fixture) { f.socketMode, f.socketGID = 0o660, 50 }, DaemonSocketPerms, result.Fail, "root:staff 0660"},
		{"socket mode 0670", func(f *fixture) { f.socketMode = 0o670 }, DaemonSocketPerms, result.Fail, "root:docker 0670"},
		{"socket missing", func(f *fixture) { f.socket = "" }, DaemonSocketPerms, result.Error, ""},
		{"aufs from the engine", func(f *fixture) {
			f.daemonJSON = ""
			f.files["/kubeward/docker/info.json"] = `{"Driver":"aufs"}`
		}, DaemonAufs, result.Fail, "storage-driver=aufs (snapshot /kubeward/docker/containers.json /info Driver)"},
		{"storage driver flag", func(f *fixture) { f.daemonJSON = ""; f.dockerd = append(f.dockerd, "-s", "overlay2") }, DaemonAufs, result.Pass, "storage-driver=overlay2 (flag -s)"},
		{"data root flag on its own mount", func(f *fixture) {
			f.dockerd = append(f.dockerd, "--data-root=/data/docker")
			f.files["/proc/1/mountinfo"] = mountsShared + "50 22 8:1 / /data/docker rw - ext4 /dev/sdb1 rw\n"
		}, DaemonPartition, result.Pass, "data-root=/data/docker (flag --data-root)"},
		{"no mount table", func(f *fixture) { delete(f.files, "/proc/1/mountinfo") }, DaemonPartition, result.Error, "data-root=/var/lib/docker (default)"},
		{"installed, not running, no data root yet", func(f *fixture) {
			f.dockerd, f.daemonJSON = nil, ""
			f.files["/lib/systemd/system/docker.service"] = "[Service]\nExecStart=/usr/bin/dockerd -H fd://\n"
		}, DaemonPartition, result.NotApplicable, "data-root=/var/lib/docker (default)"},
		{"userns from the engine", func(f *fixture) {
			f.daemonJSON = ""
			f.files["/kubeward/docker/info.json"] = `{"SecurityOptions":["name=seccomp,profile=default","name=userns"]}`
		}, DaemonUserns, result.Pass, "(snapshot /kubeward/docker/containers.json /info SecurityOptions)"},
		{"userns flag", func(f *fixture) { f.daemonJSON = ""; f.dockerd = append(f.dockerd, "--userns-remap", "default") }, DaemonUserns, result.Pass, "userns-remap=default (flag --userns-remap)"},
		{"live restore from the engine", func(f *fixture) {
			f.daemonJSON = ""
			f.files["/kubeward/docker/info.json"] = `{"LiveRestoreEnabled":true}`
		}, DaemonLiveRestore, result.Pass, "live-restore=true (snapshot /kubeward/docker/containers.json /info LiveRestoreEnabled)"},
		{"live restore flag", func(f *fixture) { f.daemonJSON = ""; f.dockerd = append(f.dockerd, "--live-restore") }, DaemonLiveRestore, result.Pass, "live-restore=true (flag --live-restore)"},
		{"no-new-privileges flag", func(f *fixture) { f.daemonJSON = ""; f.dockerd = append(f.dockerd, "--no-new-privileges") }, DaemonNoNewPrivs, result.Pass, "(flag --no-new-privileges)"},
		{"log opt flags", func(f *fixture) {
			f.daemonJSON = ""
			f.dockerd = append(f.dockerd, "--log-opt", "max-size=10m", "--log-opt", "max-file=5")
		}, DaemonLogLimits, result.Pass, "log-opt=max-file=5,max-size=10m (flag --log-opt)"},
		{"log max-file 0", func(f *fixture) { f.daemonJSON = `{"log-opts": {"max-size": "10m", "max-file": "0"}}` }, DaemonLogLimits, result.Fail, "max-file=0"},
		{"log default driver without options", func(f *fixture) { f.daemonJSON = "" }, DaemonLogLimits, result.Fail, "log-driver=json-file (default); log-opts=<unset> (default)"},
		{"journald driver", func(f *fixture) { f.daemonJSON = `{"log-driver": "journald"}` }, DaemonLogLimits, result.Pass, "log-driver=journald (daemon.json key log-driver): not the json-file driver"},
		{"insecure registry flag", func(f *fixture) { f.daemonJSON = ""; f.dockerd = append(f.dockerd, "--insecure-registry", "reg:5000") }, DaemonInsecureReg, result.Fail, "insecure-registry=reg:5000 (flag --insecure-registry)"},
		{"insecure registry from the engine", func(f *fixture) {
			f.daemonJSON = ""
			f.files["/kubeward/docker/info.json"] = `{"RegistryConfig":{"InsecureRegistryCIDRs":["127.0.0.0/8"],"IndexConfigs":{"docker.io":{"Name":"docker.io","Secure":true},"reg:5000":{"Name":"reg:5000","Secure":false}}}}`
		}, DaemonInsecureReg, result.Fail, "insecure-registries=reg:5000 (snapshot /kubeward/docker/containers.json /info RegistryConfig)"},
		{"only loopback insecure", func(f *fixture) { f.daemonJSON = "" }, DaemonInsecureReg, result.Pass, "insecure-registries=<unset> (default)"},
		{"content trust in /etc/environment", func(f *fixture) {
			f.files["/etc/environment"] = "PATH=\"/usr/bin\"\nexport DOCKER_CONTENT_TRUST=\"1\"\n"
		}, DaemonContentTrust, result.Pass, "DOCKER_CONTENT_TRUST=1 (/etc/environment)"},
		{"content trust off", func(f *fixture) { f.dockerEnv = map[string]string{"DOCKER_CONTENT_TRUST": "0"} }, DaemonContentTrust, result.Warn, "DOCKER_CONTENT_TRUST=0 (dockerd environment)"},
		{"content trust unset", func(f *fixture) {}, DaemonContentTrust, result.Warn, "DOCKER_CONTENT_TRUST is not set in dockerd's environment nor /etc/environment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.id == DaemonSocketPerms && os.Geteuid() != 0 {
				t.Skip("needs root to give the socket a root owner")
			}
			fx := insecureDaemon()
			tc.mutate(&fx)
			r := one(t, scan(t, fx.build(t)), tc.id)
			if r.Status != tc.want || !strings.Contains(r.Evidence, tc.evidence) {
				t.Errorf("%s = %s, evidence %q (%s); want %s with %q", tc.id, r.Status, r.Evidence, r.Message.EN, tc.want, tc.evidence)
			}
			if tc.want == result.Warn && !strings.Contains(r.Message.EN, "client setting") {
				t.Errorf("content trust message does not say it is a client setting: %s", r.Message.EN)
			}
		})
	}
}

// wantContainers names, for each container of testdata/containers.json,
// the checks it fails; it passes every other.
var wantContainers = map[string][]string{
	"hardened":        nil,
	"privileged":      {CtrPrivileged},
	"docker-sock":     {CtrRuntimeSocket},
	"run-dir":         {CtrRuntimeSocket},
	"containerd-sock": {CtrRuntimeSocket},
	"root-default":    {CtrRoot},
	"root-named":      {CtrRoot},
	"root-uid":        {CtrRoot},
	"cap-add":         {CtrCapAdd},
	"cap-all":         {CtrCapAdd},
	"seccomp-off":     {CtrUnconfined},
	"apparmor-off":    {CtrUnconfined},
	"selinux-off":     {CtrUnconfined},
	"host-net":        {CtrHostNamespace},
	"host-pid":        {CtrHostNamespace},
	"host-ipc":        {CtrHostNamespace},
}

// planContainerIDs are the container checks testdata/containers.json is
// made for; the CIS Docker container checks have TestCISContainerChecks.
var planContainerIDs = []string{CtrPrivileged, CtrRuntimeSocket, CtrRoot, CtrCapAdd, CtrUnconfined, CtrHostNamespace}

func checkContainerResults(t *testing.T, rs map[string][]result.Result, want map[string][]string) {
	t.Helper()
	for _, id := range planContainerIDs {
		seen := map[string]bool{}
		for _, r := range rs[id] {
			name := strings.TrimPrefix(r.Subject.Kind, "docker container ")
			name = name[:strings.LastIndex(name, " (")]
			seen[name] = true
			fails, known := want[name]
			if !known {
				t.Errorf("%s: result for unexpected subject %+v", id, r.Subject)
				continue
			}
			wantStatus := result.Pass
			for _, f := range fails {
				if f == id {
					wantStatus = result.Fail
				}
			}
			if r.Status != wantStatus {
				t.Errorf("%s on %s = %s (%s; %s), want %s", id, name, r.Status, r.Message.EN, r.Evidence, wantStatus)
			}
			if r.Status == result.Fail && (r.Message.ZH == "" || !strings.Contains(r.Message.EN, name)) {
				t.Errorf("%s on %s: message %+v", id, name, r.Message)
			}
			if strings.Contains(r.Evidence, "s3cr3t") {
				t.Errorf("%s on %s: evidence holds an environment value: %s", id, name, r.Evidence)
			}
		}
		for name := range want {
			if !seen[name] {
				t.Errorf("%s: no result for container %s", id, name)
			}
		}
	}
}

func TestContainersFromSnapshot(t *testing.T) {
	fx := hardenedDaemon()
	fx.files["/kubeward/docker/containers.json"] = "containers.json"
	rs := scan(t, fx.build(t))
	checkContainerResults(t, rs, wantContainers)

	var priv result.Result
	for _, r := range rs[CtrPrivileged] {
		if strings.HasPrefix(r.Subject.Kind, "docker container privileged (") {
			priv = r
		}
	}
	if priv.Subject.Kind != "docker container privileged (5b56570fc818)" || priv.Subject.Name != "node1" {
		t.Errorf("subject %+v", priv.Subject)
	}
	if l := priv.Location; l == nil || l.File != "/containers/5b56570fc818/json" || l.Path != "HostConfig.Privileged" || l.Origin != "snapshot /kubeward/docker/containers.json" {
		t.Errorf("location %+v", priv.Location)
	}
	for _, r := range rs[CtrUnconfined] {
		if strings.Contains(r.Subject.Kind, "hardened") && r.Evidence != "HostConfig.SecurityOpt=[no-new-privileges:true,seccomp=<custom profile>]" {
			t.Errorf("custom seccomp profile evidence %q", r.Evidence)
		}
	}
	for _, r := range rs[CtrRuntimeSocket] {
		if strings.Contains(r.Subject.Kind, "run-dir") && !strings.Contains(r.Message.EN, "/run/containerd/containerd.sock") {
			t.Errorf("run-dir message %q", r.Message.EN)
		}
	}
}

func TestNoContainers(t *testing.T) {
	rs := scan(t, hardenedDaemon().build(t))
	for _, id := range ContainerIDs {
		if r := one(t, rs, id); r.Status != result.NotApplicable || !strings.Contains(r.Message.EN, "no containers") {
			t.Errorf("%s = %s %s", id, r.Status, r.Message.EN)
		}
	}
}

func TestNoCaptureNoSocket(t *testing.T) {
	fx := hardenedDaemon()
	fx.noCapture = true
	fx.socket = ""
	rs := scan(t, fx.build(t))
	for _, id := range ContainerIDs {
		if r := one(t, rs, id); r.Status != result.Error || !strings.Contains(r.Message.EN, "no Docker Engine API answers") {
			t.Errorf("%s = %s %s", id, r.Status, r.Message.EN)
		}
	}
}

func TestAbsent(t *testing.T) {
	rs := scan(t, fixture{}.build(t))
	for _, ids := range [][]string{DaemonIDs, ContainerIDs, ContainerdIDs} {
		for _, id := range ids {
			if r := one(t, rs, id); r.Status != result.NotApplicable {
				t.Errorf("%s = %s, want NOT_APPLICABLE", id, r.Status)
			}
		}
	}
}

func TestContainerd(t *testing.T) {
	tests := []struct {
		name       string
		fx         fixture
		skip, http result.Status
		evidence   []string
	}{
		{"insecure", fixture{containerd: []string{}, ctrdConfig: "containerd-insecure.toml",
			files: map[string]string{"/etc/containerd/certs.d/registry.local:5000/hosts.toml": "hosts-insecure.toml"}},
			result.Fail, result.Fail, []string{
				`/etc/containerd/config.toml: plugins."io.containerd.grpc.v1.cri".registry.configs."registry.local:5000".tls.insecure_skip_verify = true`,
				`/etc/containerd/certs.d/registry.local:5000/hosts.toml: [host."https://mirror.local:5000"] skip_verify = true`,
				`/etc/containerd/config.toml: plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io".endpoint has http://10.0.0.5:5000`,
				`endpoint has http://puller:REDACTED@10.0.0.6:5000`,
				`/etc/containerd/certs.d/registry.local:5000/hosts.toml: server = http://registry.local:5000`,
				`/etc/containerd/certs.d/registry.local:5000/hosts.toml: [host."http://10.0.0.7:5000"]`,
			}},
		{"hardened", fixture{containerd: []string{}, ctrdConfig: "containerd-hardened.toml",
			files: map[string]string{"/etc/containerd/certs.d/registry.local:5000/hosts.toml": "hosts-hardened.toml"}},
			result.Pass, result.Pass, []string{"none found in /etc/containerd/config.toml; 1 hosts.toml under [/etc/containerd/certs.d]"}},
		{"config named by flag, version 3 default certs.d", fixture{containerd: []string{"--config", "/opt/ctrd.toml"},
			files: map[string]string{"/opt/ctrd.toml": "version = 3\n", "/etc/containerd/certs.d/_default/hosts.toml": "skip_verify = true\n"}},
			result.Fail, result.Pass, []string{"/etc/containerd/certs.d/_default/hosts.toml: skip_verify = true"}},
		{"version 2 without config_path ignores certs.d", fixture{containerd: []string{}, ctrdConfig: "version = 2\n",
			files: map[string]string{"/etc/containerd/certs.d/_default/hosts.toml": "skip_verify = true\n"}},
			result.Pass, result.Pass, []string{"0 hosts.toml under []"}},
		{"no config file", fixture{containerd: []string{}}, result.Pass, result.Pass, []string{"none found in no config file"}},
		{"broken hosts.toml", fixture{containerd: []string{}, ctrdConfig: "containerd-hardened.toml",
			files: map[string]string{"/etc/containerd/certs.d/x/hosts.toml": "server = \n"}},
			result.Pass, result.Pass, []string{"cannot parse /etc/containerd/certs.d/x/hosts.toml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := scan(t, tc.fx.build(t))
			s, h := one(t, rs, CtrdSkipVerify), one(t, rs, CtrdPlainHTTP)
			if s.Status != tc.skip || h.Status != tc.http {
				t.Errorf("KW-CTRD-001 = %s (%s), KW-CTRD-002 = %s (%s); want %s, %s", s.Status, s.Evidence, h.Status, h.Evidence, tc.skip, tc.http)
			}
			all := s.Evidence + "\n" + h.Evidence
			for _, e := range tc.evidence {
				if !strings.Contains(all, e) {
					t.Errorf("evidence lacks %q:\n%s", e, all)
				}
			}
			if strings.Contains(all, "do-not-print-me") || strings.Contains(s.Message.EN+h.Message.EN, "do-not-print-me") {
				t.Error("a registry password reached the report")
			}
			if s.Subject.Kind != host.Containerd || s.Subject.Name != "node1 (pid 200)" {
				t.Errorf("subject %+v", s.Subject)
			}
		})
	}
}
