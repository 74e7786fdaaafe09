// Package harness starts a real Kubernetes control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kube-proxy and optionally kubelet) as child
// processes bound to 127.0.0.1, in a deliberately "insecure" or a "hardened" profile,
// so that end-to-end tests can audit real processes.
//
// Binaries come from test/cluster/build.sh (cache: $KUBEWARD_BIN_CACHE or
// <repo>/.cache/bin/v1.37.2). Every file (PKI, kubeconfigs, configs, data, logs) lives
// below Options.Dir.
package harness

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Profile selects how securely the components are configured.
type Profile string

const (
	// Insecure runs every component with the weakest settings it still starts with:
	// plain-HTTP etcd, anonymous AlwaysAllow apiserver, profiling on, kubelet read-only
	// port, loose file modes, no audit log, no encryption at rest.
	Insecure Profile = "insecure"
	// Hardened runs every component with mutual TLS and CIS-benchmark style flags.
	Hardened Profile = "hardened"
)

// K8sVersion is the Kubernetes version built by build.sh.
const K8sVersion = "v1.37.2"

// DefaultContainerRuntimeEndpoint is the containerd CRI socket the kubelet uses by default.
const DefaultContainerRuntimeEndpoint = "unix:///run/containerd/containerd.sock"

// Ports are the TCP ports a control plane listens on (all bound to 127.0.0.1).
type Ports struct {
	EtcdClient        int
	EtcdPeer          int
	APIServer         int
	ControllerManager int
	Scheduler         int
	ProxyMetrics      int
	ProxyHealthz      int
	Kubelet           int
	KubeletReadOnly   int // only used by the insecure profile
	KubeletHealthz    int
}

// StandardPorts are the upstream default ports (2379, 6443, 10250, ...). Only one
// control plane can use them at a time.
func StandardPorts() Ports {
	return Ports{EtcdClient: 2379, EtcdPeer: 2380, APIServer: 6443, ControllerManager: 10257,
		Scheduler: 10259, ProxyMetrics: 10249, ProxyHealthz: 10256, Kubelet: 10250,
		KubeletReadOnly: 10255, KubeletHealthz: 10248}
}

// PortsFrom lays ports out consecutively from base.
func PortsFrom(base int) Ports {
	return Ports{EtcdClient: base, EtcdPeer: base + 1, APIServer: base + 2, ControllerManager: base + 3,
		Scheduler: base + 4, ProxyMetrics: base + 5, ProxyHealthz: base + 6, Kubelet: base + 7,
		KubeletReadOnly: base + 8, KubeletHealthz: base + 9}
}

// DefaultPorts are the non-default ports of each profile, chosen so that an insecure
// and a hardened control plane can run side by side.
func DefaultPorts(p Profile) Ports {
	if p == Hardened {
		return PortsFrom(20100)
	}
	return PortsFrom(20000)
}

// Options configure a control plane.
type Options struct {
	Profile Profile
	// Dir holds everything the control plane writes. Required; created if missing.
	Dir string
	// BinDir holds etcd and the Kubernetes binaries. Default: DefaultBinDir().
	BinDir string
	// Ports; zero value means DefaultPorts(Profile).
	Ports Ports
	// NodeName is the kubelet/kube-proxy node name. Default "localhost". The kubelet
	// listens on 127.0.0.1 only and the apiserver dials it by the node's Hostname
	// address (the node name), so the name must resolve to 127.0.0.1 (add an
	// /etc/hosts line for other names).
	NodeName string
	// ServiceCIDR default: 10.96.0.0/24 (insecure), 10.97.0.0/24 (hardened).
	ServiceCIDR string
	// ClusterCIDR (pod network) given to kube-proxy. Default 10.244.0.0/16.
	ClusterCIDR string

	// Kubelet starts a kubelet. It needs a CRI runtime at ContainerRuntimeEndpoint.
	Kubelet bool
	// ContainerRuntimeEndpoint default DefaultContainerRuntimeEndpoint.
	ContainerRuntimeEndpoint string
	// ProtectKernelDefaults for the hardened kubelet (default true). The kubelet then
	// refuses to start unless the host has vm.overcommit_memory=1, vm.panic_on_oom=0,
	// kernel.panic=10, kernel.panic_on_oops=1, kernel.keys.root_maxkeys=1000000,
	// kernel.keys.root_maxbytes=25000000, so Up sets them first (host-wide; a kubelet
	// without protectKernelDefaults, e.g. the insecure one, sets the same values itself).
	// nil falls back to false if they cannot be set; an explicit true makes that an error.
	ProtectKernelDefaults *bool

	// SkipProxy does not start kube-proxy (it edits the host's iptables rules).
	SkipProxy bool
	// SkipControllers does not start kube-controller-manager and kube-scheduler.
	SkipControllers bool

	// StaticPod writes one static pod manifest into the kubelet's staticPodPath
	// (mode 0644 in the insecure profile, 0600 in the hardened one).
	StaticPod bool

	// NoOIDC (hardened profile) starts the apiserver without its OIDC issuer
	// flags: people then authenticate with x509 client certificates only.
	NoOIDC bool
	// NoAuditWebhook (hardened profile) starts the apiserver without the audit
	// webhook backend: audit events go only to the log file (Files.AuditLog),
	// which nothing reads unless a test starts a reader (a log shipper).
	NoAuditWebhook bool

	// IsolateListeners (insecure profile only, needs root, not with Detach) runs
	// kube-controller-manager, kube-scheduler and kube-proxy in a private network
	// namespace that holds only a loopback interface, and binds them the way an
	// insecure cluster does: every interface (0.0.0.0). Nothing outside the
	// namespace can reach them, so the sandbox's loopback-only rule holds while
	// the audit sees real processes listening beyond localhost. A forwarder in
	// the namespace carries their traffic to the apiserver on the host's loopback.
	IsolateListeners bool

	// Detach starts the components in their own session so they outlive this
	// process (used by the CLI). Stop them later with Down(dir).
	Detach bool
	// Logf receives progress messages. Default: discard.
	Logf func(format string, args ...any)
}

// DefaultBinDir is $KUBEWARD_BIN_CACHE or <repo>/.cache/bin/<K8sVersion>, where <repo> is
// found by walking up from the working directory to the directory holding test/cluster.
func DefaultBinDir() string {
	if d := os.Getenv("KUBEWARD_BIN_CACHE"); d != "" {
		return d
	}
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if st, err := os.Stat(filepath.Join(d, "test", "cluster", "build.sh")); err == nil && !st.IsDir() {
				return filepath.Join(d, ".cache", "bin", K8sVersion)
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	// Fall back to the location of this source file.
	if _, file, _, ok := runtime.Caller(0); ok {
		return filepath.Join(filepath.Dir(file), "..", "..", "..", ".cache", "bin", K8sVersion)
	}
	return filepath.Join(".cache", "bin", K8sVersion)
}

// Binaries the harness runs.
var (
	ControlPlaneBinaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"}
	AllBinaries          = append(append([]string{}, ControlPlaneBinaries...), "kubelet")
)

// MissingBinaries lists which of names are not executable files in binDir.
func MissingBinaries(binDir string, names ...string) []string {
	var missing []string
	for _, n := range names {
		st, err := os.Stat(filepath.Join(binDir, n))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, n)
		}
	}
	return missing
}

// ContainerRuntimeAvailable reports whether something accepts connections on
// the unix socket at endpoint (a socket file left by a runtime that is gone
// does not count).
func ContainerRuntimeAvailable(endpoint string) bool {
	path := strings.TrimPrefix(endpoint, "unix://")
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

func (o *Options) setDefaults() error {
	switch o.Profile {
	case Insecure, Hardened:
	case "":
		return fmt.Errorf("harness: Profile is required (insecure or hardened)")
	default:
		return fmt.Errorf("harness: unknown profile %q", o.Profile)
	}
	if o.Dir == "" {
		return fmt.Errorf("harness: Dir is required")
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	o.Dir = abs
	if o.BinDir == "" {
		o.BinDir = DefaultBinDir()
	}
	if o.BinDir, err = filepath.Abs(o.BinDir); err != nil {
		return err
	}
	if o.Ports == (Ports{}) {
		o.Ports = DefaultPorts(o.Profile)
	}
	if o.NodeName == "" {
		o.NodeName = "localhost"
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = "10.96.0.0/24"
		if o.Profile == Hardened {
			o.ServiceCIDR = "10.97.0.0/24"
		}
	}
	if o.ClusterCIDR == "" {
		o.ClusterCIDR = "10.244.0.0/16"
	}
	if o.ContainerRuntimeEndpoint == "" {
		o.ContainerRuntimeEndpoint = DefaultContainerRuntimeEndpoint
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return nil
}

// firstServiceIP returns the kubernetes Service ClusterIP (first address of the range).
func firstServiceIP(cidr string) (net.IP, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	ip := n.IP.To4()
	if ip == nil {
		return nil, fmt.Errorf("only IPv4 service CIDRs are supported: %s", cidr)
	}
	out := make(net.IP, 4)
	copy(out, ip)
	out[3]++
	return out, nil
}
