package host

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/inventory"
)

// Component kinds kubeward discovers (named in the inventory).
const (
	Etcd              = inventory.Etcd
	APIServer         = inventory.APIServer
	ControllerManager = inventory.ControllerManager
	Scheduler         = inventory.Scheduler
	Kubelet           = inventory.Kubelet
	KubeProxy         = inventory.KubeProxy
	Calico            = inventory.Calico
	Dockerd           = inventory.Dockerd
	Containerd        = inventory.Containerd
	CRIO              = inventory.CRIO
	SSHD              = inventory.SSHD
)

// Kinds lists every component kind in the order reports show them.
var Kinds = []string{Etcd, APIServer, ControllerManager, Scheduler, Kubelet, KubeProxy, Calico, Dockerd, Containerd, CRIO, SSHD}

// kindOf maps an executable's base name to a component kind.
// KindOf maps an executable (and its arguments) to a component kind, or "".
func KindOf(exe string, args []string) string { return kindOf(exe, args) }

func kindOf(exe string, args []string) string {
	exe = strings.TrimSuffix(filepath.Base(exe), " (deleted)")
	switch exe {
	case Etcd, APIServer, ControllerManager, Scheduler, Kubelet, KubeProxy, Dockerd, Containerd, CRIO, SSHD:
		return exe
	case "calico-node", "calico-felix":
		return Calico
	case "hyperkube":
		if len(args) > 1 {
			return kindOf(args[1], nil)
		}
	}
	return ""
}

// boolFlags never take the next argument as their value.
var boolFlags = map[string]bool{
	"anonymous-auth": true, "profiling": true, "client-cert-auth": true, "auto-tls": true,
	"peer-client-cert-auth": true, "peer-auto-tls": true, "use-service-account-credentials": true,
	"service-account-lookup": true, "rotate-certificates": true, "protect-kernel-defaults": true,
	"seccomp-default": true, "tlsverify": true, "tls": true, "icc": true, "live-restore": true,
	"userland-proxy": true, "no-new-privileges": true, "selinux-enabled": true, "allow-privileged": true,
	"D": true, "debug": true, "experimental": true, "ip-masq": true, "iptables": true, "ip-forward": true,
	"cleanup": true, "enable-debugging-handlers": true, "fail-swap-on": true, "felix": true,
	"allow-metric-labels-manifest": false,
}

// ParseFlags reads a command line's flags: --name=value, --name value and
// bare boolean --name; every occurrence is kept in order.
func ParseFlags(args []string) map[string][]string {
	flags := map[string][]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if k, v, ok := strings.Cut(name, "="); ok {
			flags[k] = append(flags[k], v)
			continue
		}
		if !boolFlags[name] && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			flags[name] = append(flags[name], args[i+1])
			i++
			continue
		}
		flags[name] = append(flags[name], "true")
	}
	return flags
}

// Discover reads the node: processes first, static pod manifests for
// components with no visible process, systemd units for the rest.
func Discover(f *FS) *inventory.Node {
	n := &inventory.Node{Root: f.Root, Hostname: hostname(f)}
	seen := map[string]bool{}
	for _, c := range processes(f) {
		n.Components = append(n.Components, c)
		seen[c.Kind] = true
	}
	for _, c := range staticPods(f, n) {
		if !seen[c.Kind] {
			n.Components = append(n.Components, c)
			seen[c.Kind] = true
		}
	}
	for _, c := range systemdUnits(f, n) {
		if !seen[c.Kind] {
			n.Components = append(n.Components, c)
			seen[c.Kind] = true
		}
	}
	for _, c := range n.Components {
		loadConfig(f, n, c)
	}
	LoadOpenFiles(f, n)
	return n
}

func hostname(f *FS) string {
	if b, err := f.ReadFile("/etc/hostname"); err == nil && len(bytes.TrimSpace(b)) > 0 {
		return string(bytes.TrimSpace(b))
	}
	if f.Root == "" || f.Root == "/" {
		if h, err := os.Hostname(); err == nil {
			return h
		}
	}
	return "node"
}

// processes lists the components among /proc's processes.
func processes(f *FS) []*inventory.Component {
	entries, err := f.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []*inventory.Component
	sshd := map[int]bool{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + e.Name()
		raw, err := f.ReadFile(dir + "/cmdline")
		if err != nil || len(raw) == 0 {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		exe, err := f.Readlink(dir + "/exe")
		if err != nil {
			exe = strings.Fields(args[0] + " ")[0]
			exe = strings.TrimSuffix(exe, ":") // "sshd: /usr/sbin/sshd -D [listener]"
		}
		kind := kindOf(exe, args)
		if kind == "" {
			continue
		}
		if kind == SSHD {
			// The listener, not its per-connection children.
			if sshd[parentPID(f, dir)] {
				sshd[pid] = true
				continue
			}
			sshd[pid] = true
		}
		out = append(out, &inventory.Component{
			Kind: kind, PID: pid, Source: "process", Args: args,
			Flags: ParseFlags(args[1:]), Env: environ(f, dir),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	// sshd children seen before their parent: keep only processes whose parent is not sshd.
	var kept []*inventory.Component
	for _, c := range out {
		if c.Kind == SSHD && sshd[parentPID(f, "/proc/"+strconv.Itoa(c.PID))] {
			continue
		}
		kept = append(kept, c)
	}
	return kept
}

func parentPID(f *FS, dir string) int {
	b, err := f.ReadFile(dir + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return 0
	}
	p, _ := strconv.Atoi(fields[1])
	return p
}

func environ(f *FS, dir string) map[string]string {
	raw, err := f.ReadFile(dir + "/environ")
	if err != nil {
		return map[string]string{}
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(raw), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// staticPodPath is where the node's kubelet reads static pod manifests.
func staticPodPath(n *inventory.Node) string {
	for _, k := range n.ComponentsOf(Kubelet) {
		if p, ok := k.Flag("pod-manifest-path"); ok {
			return p
		}
		if v, ok := k.ConfigValue("staticPodPath"); ok {
			return fmt.Sprint(v)
		}
	}
	return "/etc/kubernetes/manifests"
}

// staticPods reads components from the kubelet's static pod manifests.
func staticPods(f *FS, n *inventory.Node) []*inventory.Component {
	for _, k := range n.ComponentsOf(Kubelet) {
		loadConfig(f, n, k) // staticPodPath lives in the kubelet's config file
	}
	dir := staticPodPath(n)
	entries, err := f.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []*inventory.Component
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml" && ext != ".json") {
			continue
		}
		data, err := f.ReadFile(name)
		if err != nil {
			n.Problems = append(n.Problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		var pod corev1.Pod
		if err := yaml.Unmarshal(data, &pod); err != nil {
			n.Problems = append(n.Problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		for _, c := range pod.Spec.Containers {
			args := append(append([]string{}, c.Command...), c.Args...)
			if len(args) == 0 {
				continue
			}
			kind := kindOf(args[0], args)
			if kind == "" {
				continue
			}
			env := map[string]string{}
			for _, ev := range c.Env {
				if ev.ValueFrom == nil {
					env[ev.Name] = ev.Value
				}
			}
			out = append(out, &inventory.Component{Kind: kind, Source: "static pod", SourceFile: name, Args: args, Flags: ParseFlags(args[1:]), Env: env})
		}
	}
	return out
}

var unitDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"}

// systemdUnits reads components from service units and their drop-ins.
func systemdUnits(f *FS, n *inventory.Node) []*inventory.Component {
	var out []*inventory.Component
	done := map[string]bool{}
	for _, dir := range unitDirs {
		entries, err := f.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".service") || done[e.Name()] {
				continue
			}
			done[e.Name()] = true
			c := readUnit(f, dir, e.Name())
			if c != nil {
				out = append(out, c)
			}
		}
	}
	return out
}

func readUnit(f *FS, dir, unit string) *inventory.Component {
	files := []string{filepath.Join(dir, unit)}
	for _, d := range unitDirs {
		drop, _ := filepath.Glob(f.Path(filepath.Join(d, unit+".d", "*.conf")))
		for _, p := range drop {
			if f.Root != "" && f.Root != "/" {
				p = "/" + strings.TrimPrefix(p, filepath.Clean(f.Root)+"/")
			}
			files = append(files, p)
		}
	}
	var exec string
	env := map[string]string{}
	source := files[0]
	for _, file := range files {
		data, err := f.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range joinContinuations(string(data)) {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "ExecStart":
				exec = strings.TrimLeft(strings.TrimSpace(v), "-@+!")
				if exec != "" {
					source = file
				}
			case "Environment":
				for _, kv := range splitQuoted(v) {
					if ek, ev, ok := strings.Cut(kv, "="); ok {
						env[ek] = ev
					}
				}
			case "EnvironmentFile":
				p := strings.TrimPrefix(strings.TrimSpace(v), "-")
				if b, err := f.ReadFile(p); err == nil {
					for _, l := range strings.Split(string(b), "\n") {
						l = strings.TrimSpace(l)
						if ek, ev, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
							env[ek] = strings.Trim(ev, `"'`)
						}
					}
				}
			}
		}
	}
	if exec == "" {
		return nil
	}
	var args []string
	for _, a := range splitQuoted(exec) {
		args = append(args, strings.Fields(expand(a, env))...)
	}
	if len(args) == 0 {
		return nil
	}
	kind := kindOf(args[0], args)
	if kind == "" {
		return nil
	}
	return &inventory.Component{Kind: kind, Source: "systemd unit", SourceFile: source, Args: args, Flags: ParseFlags(args[1:]), Env: env}
}

func joinContinuations(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\\\n", " "), "\n")
}

// splitQuoted splits on spaces, keeping "quoted strings" whole.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && (c == ' ' || c == '\t'):
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// expand replaces $VAR and ${VAR} as systemd does in ExecStart.
func expand(s string, env map[string]string) string {
	return os.Expand(s, func(k string) string { return env[k] })
}

// configFlag names the flag that points at a component's config file and
// the default location used without it.
var configFlag = map[string]struct{ flag, def string }{
	Kubelet:    {"config", ""},
	Etcd:       {"config-file", ""},
	KubeProxy:  {"config", ""},
	Scheduler:  {"config", ""},
	Dockerd:    {"config-file", "/etc/docker/daemon.json"},
	Containerd: {"config", "/etc/containerd/config.toml"},
	CRIO:       {"config", "/etc/crio/crio.conf"},
}

// loadConfig reads the config file a component's own flag names (or its
// documented default) into c.Config.
func loadConfig(f *FS, n *inventory.Node, c *inventory.Component) {
	if c.Config != nil || c.ConfigFile != "" {
		return
	}
	cf, ok := configFlag[c.Kind]
	if !ok {
		return
	}
	path, named := c.Flag(cf.flag)
	if !named && c.Kind == Containerd {
		path, named = c.Flag("c")
	}
	if !named {
		if cf.def == "" {
			return
		}
		path = cf.def
		c.ConfigDefault = true
	}
	c.ConfigFile = path
	data, err := f.ReadFile(f.ForProcess(c.PID, path))
	if err != nil {
		if named || !os.IsNotExist(err) {
			n.Problems = append(n.Problems, fmt.Sprintf("%s: config file %s: %v", c.Kind, path, unwrap(err)))
		}
		if !named {
			c.ConfigFile = ""
		}
		return
	}
	m := map[string]any{}
	switch {
	case strings.HasSuffix(path, ".toml") || c.Kind == Containerd || c.Kind == CRIO:
		err = toml.Unmarshal(data, &m)
	case strings.HasSuffix(path, ".json"):
		err = json.Unmarshal(data, &m)
	default:
		err = yaml.Unmarshal(data, &m)
	}
	if err != nil {
		n.Problems = append(n.Problems, fmt.Sprintf("%s: config file %s: %v", c.Kind, path, err))
		return
	}
	c.Config = m
}

func unwrap(err error) error {
	if pe := (*os.PathError)(nil); errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
