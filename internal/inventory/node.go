package inventory

import (
	"fmt"
	"strings"
)

// Node is what an audit of one machine sees: the components running on it,
// each with the configuration it really uses.
type Node struct {
	Hostname string
	// Root is the host filesystem the audit reads ("/" on the node itself).
	Root       string
	Components []*Component
	// Problems are what could not be read (a config file a flag names but that
	// is missing, a malformed file), each naming the file.
	Problems []string
	// Files are the files the components name and the checks judge (see
	// File); StaticPodDir is the kubelet's static pod directory and
	// StaticPods the files in it; Calico is Calico's datastore settings from
	// its files (its processes' environments are in Components).
	Files        []*File        `json:"files,omitempty"`
	StaticPodDir string         `json:"staticPodDir,omitempty"`
	StaticPods   []string       `json:"staticPods,omitempty"`
	Calico       []CalicoConfig `json:"calico,omitempty"`
	// Users and Groups name numeric IDs (/etc/passwd, /etc/group) and
	// DockerContentTrust holds the DOCKER_CONTENT_TRUST values of
	// /etc/environment in order: gathered when a dockerd is on the node.
	Users              map[uint32]string `json:"users,omitempty"`
	Groups             map[uint32]string `json:"groups,omitempty"`
	DockerContentTrust []string          `json:"dockerContentTrust,omitempty"`
	// SSHDDefault is the default configuration of an sshd installed but not
	// running (set when no sshd component runs); running ones are in their
	// components.
	SSHDDefault *SSHDConfig `json:"sshdDefault,omitempty"`
	// Firewall is the host's packet filter.
	Firewall *Firewall `json:"firewall,omitempty"`
	// DockerHost is the host's facts around Docker (group, audit rules,
	// daemon files): gathered when a dockerd is on the node.
	DockerHost *DockerHost `json:"dockerHost,omitempty"`
	// KubeletUnits are the kubelet's systemd unit files and drop-ins found
	// on the host (whether or not the kubelet was found through its unit),
	// and AdminKubeconfigs kubeadm's admin.conf and super-admin.conf when
	// present: CIS Kubernetes v1.12 4.1.1-4.1.2 and 1.1.13-1.1.14. Their
	// metadata is in Files (host view).
	KubeletUnits     []string `json:"kubeletUnits,omitempty"`
	AdminKubeconfigs []string `json:"adminKubeconfigs,omitempty"`
}

// ComponentsOf returns the discovered components of one kind.
func (n *Node) ComponentsOf(kind string) []*Component {
	var out []*Component
	for _, c := range n.Components {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}

// Component is one running (or configured) program: etcd, kube-apiserver,
// kubelet, dockerd, sshd...
type Component struct {
	Kind string
	PID  int
	// Source says where the command line came from: "process", "static pod"
	// or "systemd unit"; SourceFile is the file for the latter two.
	Source     string
	SourceFile string
	Args       []string
	// Flags holds every occurrence of each flag, without leading dashes.
	Flags map[string][]string
	Env   map[string]string
	// ConfigFile is the configuration file the component reads (its own flag
	// names it, or the program's documented default), and Config its parsed
	// content (nil when absent).
	ConfigFile string
	Config     map[string]any
	// ConfigDefault is true when the config file was not named by a flag but
	// is the program's default location.
	ConfigDefault bool
	// OpenFiles says which other processes hold the files the component
	// writes open (the API server's --audit-log-path), when the source
	// looked; see OpenFile.
	OpenFiles []*OpenFile
	// Cwd is the process's working directory (relative paths in its flags
	// resolve against it), when known.
	Cwd string `json:",omitempty"`
	// Docker is what was gathered around a dockerd; HostsFiles the registry
	// hosts.toml files a containerd reads, in the order of its config paths.
	Docker     *DockerDaemon         `json:",omitempty"`
	HostsFiles []ContainerdHostsFile `json:",omitempty"`
	// ImageVerifiers are the programs in a containerd's image verifier
	// bin_dir (image.go): each must approve an image before it is pulled.
	ImageVerifiers []string `json:",omitempty"`
	// SSHD is an sshd's configuration.
	SSHD *SSHDConfig `json:",omitempty"`
}

// Subject describes the component in results.
func (c *Component) Subject(hostname string) string {
	if c.PID > 0 {
		return fmt.Sprintf("%s (pid %d)", hostname, c.PID)
	}
	return hostname
}

// Flag returns the last value of a flag (as the flag library keeps it).
func (c *Component) Flag(name string) (string, bool) {
	v := c.Flags[name]
	if len(v) == 0 {
		return "", false
	}
	return v[len(v)-1], true
}

// Origin names where the component's command line can be read.
func (c *Component) Origin() string {
	switch {
	case c.SourceFile != "":
		return c.SourceFile
	case c.PID > 0:
		return fmt.Sprintf("/proc/%d/cmdline", c.PID)
	}
	return c.Source
}

// ConfigValue looks up a dotted key (authentication.anonymous.enabled) in
// the parsed config file.
func (c *Component) ConfigValue(key string) (any, bool) {
	if c.Config == nil {
		return nil, false
	}
	var cur any = c.Config
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[part]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}
