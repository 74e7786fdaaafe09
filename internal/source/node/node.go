// Package node composes the host's readers into one inventory.Node: the
// components discovered on the host (their settings and where each comes
// from) and the facts the node checks judge about them: the files their
// settings name (mode, owner, presence, and the content a check reads,
// parsed), the kubelet's static pod manifests, Calico's datastore settings.
// Checks read only the inventory; every file read happens here.
package node

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// Read discovers the node's components on f and gathers their facts.
func Read(f *host.FS) *inventory.Node {
	return Gather(f, host.Discover(f))
}

// Gather adds to n (components already known, from /proc or from static
// pods seen through the API) the facts of the files they name, read
// through f, and returns n. An FS with NoFiles gathers nothing: the checks
// then say the files cannot be read from here.
func Gather(f *host.FS, n *inventory.Node) *inventory.Node {
	if f.NoFiles {
		return n
	}
	// Gathering again starts afresh.
	n.Files, n.StaticPodDir, n.StaticPods, n.Calico = nil, "", nil, nil
	n.Users, n.Groups, n.DockerContentTrust, n.Firewall, n.SSHDDefault, n.DockerHost = nil, nil, nil, nil, nil, nil
	n.KubeletUnits, n.AdminKubeconfigs = nil, nil
	for _, c := range n.Components {
		c.Cwd, c.Docker, c.HostsFiles, c.SSHD = "", nil, nil, nil
	}
	g := &gatherer{f: f, n: n}
	for _, c := range n.Components {
		for _, s := range fileSettings {
			if p := c.Setting(s.name).Value; p != "" {
				g.file(c, p, s.content)
			}
		}
		switch c.Kind {
		case host.Kubelet:
			g.file(c, c.ConfigFile, "")
			if c.Source == "systemd unit" {
				g.file(c, c.SourceFile, "")
			}
		case host.KubeProxy:
			g.file(c, c.ConfigFile, "")
		case host.Etcd:
			g.dataDir(c)
		}
	}
	g.staticPods()
	g.kubeFiles()
	g.calico()
	g.runtime()
	g.firewall()
	g.sshd()
	return n
}

// fileSettings are the settings that name files, and what is read of
// each beyond its metadata ("" for nothing: keys and other secrets are
// only stat'ed).
var fileSettings = []struct{ name, content string }{
	// Keys and secrets: metadata only.
	{"tls-private-key-file", ""}, {"key-file", ""}, {"peer-key-file", ""}, {"etcd-keyfile", ""}, {"kubelet-client-key", ""},
	{"service-account-signing-key-file", ""}, {"service-account-private-key-file", ""}, {"proxy-client-key-file", ""},
	{"cluster-signing-key-file", ""}, {"client-key", ""},
	// Certificates and CA bundles.
	{"tls-cert-file", certs}, {"cert-file", certs}, {"peer-cert-file", certs}, {"etcd-certfile", certs}, {"etcd-cafile", certs},
	{"client-ca-file", certs}, {"trusted-ca-file", certs}, {"peer-trusted-ca-file", certs}, {"kubelet-client-certificate", certs},
	{"kubelet-certificate-authority", certs}, {"root-ca-file", certs}, {"proxy-client-cert-file", certs},
	{"requestheader-client-ca-file", certs}, {"cluster-signing-cert-file", certs},
	// Configuration files whose content a check reads.
	{"kubeconfig", kubeconfigContent},
	{"encryption-provider-config", encryptionContent},
	{"authorization-config", authorizationContent},
	{"authentication-config", authenticationContent},
	{"audit-policy-file", auditPolicyContent},
}

const (
	certs                 = "certificates"
	kubeconfigContent     = "kubeconfig"
	encryptionContent     = "encryption"
	authorizationContent  = "authorization"
	authenticationContent = "authentication"
	auditPolicyContent    = "audit policy"
)

type gatherer struct {
	f *host.FS
	n *inventory.Node
}

// file records path as process c sees it (pid 0 for the host), its
// metadata, and the content kind asks for.
func (g *gatherer) file(c *inventory.Component, path, kind string) {
	if path == "" {
		return
	}
	pid := 0
	if c != nil {
		pid = c.PID
	}
	fl := g.n.File(pid, path)
	if fl == nil {
		fl = g.stat(pid, path)
		g.n.AddFile(fl)
	}
	if kind == "" {
		return
	}
	data, err := g.f.ReadFile(fl.Where())
	if err != nil {
		fl.ReadError = err.Error()
		fl.NoAccess = fl.NoAccess || errors.Is(err, host.ErrNoFiles)
	}
	switch kind {
	case certs:
		if fl.Certificates == nil {
			fl.Certificates = parseCertificates(data, err)
		}
	case kubeconfigContent:
		if fl.Kubeconfig == nil && err == nil {
			fl.Kubeconfig = g.kubeconfig(c, path, data)
		}
	case encryptionContent:
		if fl.Encryption == nil && err == nil {
			fl.Encryption = parseEncryption(data)
		}
	case authorizationContent:
		if fl.Authorization == nil && err == nil {
			fl.Authorization = parseAuthorization(data)
		}
	case authenticationContent:
		if fl.Authentication == nil && err == nil {
			fl.Authentication = parseAuthentication(data)
		}
	case auditPolicyContent:
		if fl.AuditPolicy == nil && err == nil {
			fl.AuditPolicy = parseAuditPolicy(data)
		}
	}
}

// stat resolves path for pid (through /proc/PID/root for a containerized
// component) and reads its metadata: from the snapshot's record when the
// root is a snapshot.
func (g *gatherer) stat(pid int, path string) *inventory.File {
	p := g.f.ForProcess(pid, path)
	fl := &inventory.File{Path: path, PID: pid}
	if p != path {
		fl.Resolved = p
	}
	meta, err := g.f.Meta(p)
	if err != nil {
		fl.StatError = err.Error()
		fl.Absent = os.IsNotExist(err)
		fl.NoAccess = errors.Is(err, host.ErrNoFiles)
		return fl
	}
	fl.Present = true
	fl.Mode = uint32(meta.Mode.Perm())
	fl.UID, fl.GID, fl.Size, fl.Dir = meta.UID, meta.GID, meta.Size, meta.Dir
	return fl
}

// dataDir records etcd's working directory and its data directory,
// resolved against it when relative.
func (g *gatherer) dataDir(c *inventory.Component) {
	if c.PID > 0 {
		if cwd, err := os.Readlink(g.f.Path(fmt.Sprintf("/proc/%d/cwd", c.PID))); err == nil {
			c.Cwd = cwd
		}
	}
	if dir := c.DataDir(); dir != "" {
		g.file(c, dir, "")
	}
}

// staticPods records the kubelet's static pod directory and the files in
// it.
func (g *gatherer) staticPods() {
	dir := staticPodDir(g.n)
	g.n.StaticPodDir = dir
	entries, err := os.ReadDir(g.f.Path(dir))
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			p := filepath.Join(dir, e.Name())
			g.n.StaticPods = append(g.n.StaticPods, p)
			g.file(nil, p, "")
		}
	}
}

func staticPodDir(n *inventory.Node) string {
	for _, k := range n.ComponentsOf(host.Kubelet) {
		if p, ok := k.Flag("pod-manifest-path"); ok {
			return p
		}
		if v, ok := k.ConfigValue("staticPodPath"); ok {
			return fmt.Sprint(v)
		}
	}
	return "/etc/kubernetes/manifests"
}
