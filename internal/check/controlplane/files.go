package controlplane

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	FileStaticPods   = "KW-FILE-001"
	FileKubeconfigs  = "KW-FILE-002"
	FilePrivateKeys  = "KW-FILE-003"
	FileCertificates = "KW-FILE-004"
	FileKubelet      = "KW-FILE-005"
	FileOwner        = "KW-FILE-006"
	CertExpiring     = "KW-CERT-001"
	CertWeakKey      = "KW-CERT-002"
	CertUntrusted    = "KW-CERT-003"
)

// fileClass is a kind of file and the widest mode it may have.
type fileClass struct {
	id      string
	maxMode os.FileMode
}

// fileChecks are the checks checkFiles judges, in the order it reports
// them: the file modes and owner, then the certificates.
var fileChecks = []struct {
	id         string
	sev        catalog.Severity
	refs       []string
	title, fix T
}{
	{FileStaticPods, high, []string{"CIS Kubernetes v1.12 1.1.1", "CIS Kubernetes v1.12 1.1.3", "CIS Kubernetes v1.12 1.1.5", "CIS Kubernetes v1.12 1.1.7"},
		T{EN: "Static pod manifest is writable or readable by others", ZH: "静态 Pod 清单可被其他用户写入或读取"},
		T{EN: "chmod 600 the manifests in the kubelet's staticPodPath.", ZH: "将 kubelet staticPodPath 中的清单权限设为 600。"}},
	{FileKubeconfigs, high, []string{"CIS Kubernetes v1.12 1.1.13", "CIS Kubernetes v1.12 1.1.15", "CIS Kubernetes v1.12 1.1.17", "CIS Kubernetes v1.12 4.1.3", "CIS Kubernetes v1.12 4.1.5"},
		T{EN: "Kubeconfig is readable by others", ZH: "kubeconfig 可被其他用户读取"},
		T{EN: "chmod 600 every kubeconfig the components use.", ZH: "将各组件使用的 kubeconfig 权限设为 600。"}},
	{FilePrivateKeys, crit, []string{"CIS Kubernetes v1.12 1.1.21"},
		T{EN: "Private key or encryption config is readable by others", ZH: "私钥或加密配置可被其他用户读取"},
		T{EN: "chmod 600 private keys and the encryption configuration.", ZH: "将私钥与加密配置的权限设为 600。"}},
	{FileCertificates, low, []string{"CIS Kubernetes v1.12 1.1.20"},
		T{EN: "Certificate file is writable by others", ZH: "证书文件可被其他用户写入"},
		T{EN: "chmod 644 (or stricter) certificate files.", ZH: "将证书文件权限设为 644 或更严格。"}},
	{FileKubelet, high, []string{"CIS Kubernetes v1.12 4.1.1", "CIS Kubernetes v1.12 4.1.9"},
		T{EN: "kubelet config or service file is readable by others", ZH: "kubelet 配置或服务文件可被其他用户读取"},
		T{EN: "chmod 600 the kubelet config file and its systemd unit files.", ZH: "将 kubelet 配置文件及其 systemd 单元文件权限设为 600。"}},
	{FileOwner, med, []string{"CIS Kubernetes v1.12 1.1.2", "CIS Kubernetes v1.12 1.1.4", "CIS Kubernetes v1.12 1.1.6", "CIS Kubernetes v1.12 1.1.8", "CIS Kubernetes v1.12 1.1.14", "CIS Kubernetes v1.12 1.1.16", "CIS Kubernetes v1.12 1.1.18", "CIS Kubernetes v1.12 1.1.19", "CIS Kubernetes v1.12 4.1.2", "CIS Kubernetes v1.12 4.1.4", "CIS Kubernetes v1.12 4.1.6", "CIS Kubernetes v1.12 4.1.10"},
		T{EN: "Control-plane file is not owned by root", ZH: "控制平面文件的属主不是 root"},
		T{EN: "chown root:root the file.", ZH: "将该文件属主设为 root:root。"}},
	{CertExpiring, high, []string{"Kubernetes docs: Certificate Management with kubeadm (certificate expiry)"},
		T{EN: "Certificate expires within 30 days", ZH: "证书将在 30 天内过期"},
		T{EN: "Renew the certificate (kubeadm certs renew, or your PKI) before it expires.", ZH: "在证书过期前续期（kubeadm certs renew 或贵方 PKI）。"}},
	{CertWeakKey, high, []string{"NIST SP 800-57"},
		T{EN: "Certificate uses a weak key", ZH: "证书使用了弱密钥"},
		T{EN: "Reissue with RSA 2048+ or ECDSA P-256+ (or Ed25519).", ZH: "使用 RSA 2048 位以上或 ECDSA P-256 以上（或 Ed25519）重新签发。"}},
	{CertUntrusted, high, []string{"Kubernetes docs: PKI certificates and requirements"},
		T{EN: "Serving certificate is not signed by the cluster CA", ZH: "服务证书并非由集群 CA 签发"},
		T{EN: "Issue the serving certificate from the cluster CA that clients trust.", ZH: "由客户端信任的集群 CA 签发服务证书。"}},
}

// fileModeChecks is how many of fileChecks judge a file's mode or owner
// (the rest judge certificates).
const fileModeChecks = 6

func init() {
	logic := &check.NodeRule{Run: checkFiles}
	for _, c := range fileChecks {
		check.Register(check.Spec{ID: c.id, Item: "3.6", Severity: c.sev, References: c.refs, Title: c.title, Remediation: c.fix, Scope: check.Node, Node: logic})
	}
}

// keyFlags and certFlags name the files each component's flags point at.
var keyFlags = []string{"tls-private-key-file", "key-file", "peer-key-file", "etcd-keyfile", "kubelet-client-key",
	"service-account-signing-key-file", "service-account-private-key-file", "proxy-client-key-file", "encryption-provider-config",
	"cluster-signing-key-file", "client-key"}
var certFlags = []string{"tls-cert-file", "cert-file", "peer-cert-file", "etcd-certfile", "etcd-cafile", "client-ca-file",
	"trusted-ca-file", "peer-trusted-ca-file", "kubelet-client-certificate", "kubelet-certificate-authority", "root-ca-file",
	"proxy-client-cert-file", "requestheader-client-ca-file", "cluster-signing-cert-file"}

// referenced is a file a component uses and the class it belongs to.
type referenced struct {
	path  string
	class fileClass
	comp  *inventory.Component
	how   string // the flag or key naming it
}

func collectFiles(n *inventory.Node) []referenced {
	seen := map[string]bool{}
	var out []referenced
	add := func(c *inventory.Component, p, how string, cl fileClass) {
		if p == "" || seen[p] {
			return
		}
		seen[p] = true
		out = append(out, referenced{path: p, class: cl, comp: c, how: how})
	}
	for _, c := range n.Components {
		for _, fl := range keyFlags {
			add(c, c.Setting(fl).Value, "--"+fl, fileClass{FilePrivateKeys, 0o600})
		}
		for _, fl := range certFlags {
			add(c, c.Setting(fl).Value, "--"+fl, fileClass{FileCertificates, 0o644})
		}
		if kc := c.Setting("kubeconfig").Value; kc != "" {
			add(c, kc, "--kubeconfig", fileClass{FileKubeconfigs, 0o600})
		}
		if c.Kind == inventory.Kubelet {
			add(c, c.ConfigFile, "--config", fileClass{FileKubelet, 0o600})
			if c.Source == "systemd unit" {
				add(c, c.SourceFile, "systemd unit", fileClass{FileKubelet, 0o600})
			}
			add(c, c.Setting("tls-private-key-file").Value, "tlsPrivateKeyFile", fileClass{FilePrivateKeys, 0o600})
			add(c, c.Setting("tls-cert-file").Value, "tlsCertFile", fileClass{FileCertificates, 0o644})
			add(c, c.Setting("client-ca-file").Value, "authentication.x509.clientCAFile", fileClass{FileCertificates, 0o644})
		}
		if c.Kind == inventory.KubeProxy && c.ConfigFile != "" {
			add(c, c.ConfigFile, "--config", fileClass{FileKubeconfigs, 0o600})
		}
	}
	// The kubelet's unit and drop-ins on a systemd host, however the kubelet
	// was found (CIS 4.1.1, 4.1.2), and kubeadm's admin credentials (1.1.13,
	// 1.1.14): host files, no component names them.
	for _, p := range n.KubeletUnits {
		add(nil, p, "systemd unit of the kubelet", fileClass{FileKubelet, 0o600})
	}
	for _, p := range n.AdminKubeconfigs {
		add(nil, p, "kubeadm admin credentials", fileClass{FileKubeconfigs, 0o600})
	}
	return out
}

func checkFiles(env *check.Env, n *inventory.Node, em *check.NodeEmitter) {
	hasK8s := false
	for _, c := range n.Components {
		switch c.Kind {
		case inventory.Etcd, inventory.APIServer, inventory.ControllerManager, inventory.Scheduler, inventory.Kubelet, inventory.KubeProxy:
			hasK8s = true
		}
	}
	if !hasK8s {
		for _, c := range fileChecks {
			em.Add(c.id, result.NotApplicable, nil, nil, catalog.F("no Kubernetes component runs on this node", "此节点未运行任何 Kubernetes 组件"), "")
		}
		return
	}
	files := collectFiles(n)
	// Static pod manifests.
	for _, p := range n.StaticPods {
		files = append(files, referenced{path: p, class: fileClass{FileStaticPods, 0o600}, how: "staticPodPath"})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	counted := map[string]bool{}
	for _, r := range files {
		pid := 0
		if r.comp != nil {
			pid = r.comp.PID
		}
		meta := n.File(pid, r.path)
		if meta == nil {
			em.Add(r.class.id, result.Error, r.comp, &result.Location{File: r.path}, catalog.F("cannot stat %s: %v", "无法获取 %s 的状态：%v", r.path, errNotGathered), "")
			continue
		}
		if !meta.Present {
			if !meta.Absent {
				em.Add(r.class.id, result.Error, r.comp, &result.Location{File: r.path}, catalog.F("cannot stat %s: %v", "无法获取 %s 的状态：%v", r.path, meta.StatError), "")
			}
			continue
		}
		counted[r.class.id] = true
		mode := os.FileMode(meta.Mode).Perm()
		loc := &result.Location{File: r.path, Path: r.how}
		ev := fmt.Sprintf("%s mode %04o (named by %s)", r.path, mode, r.how)
		if mode&^r.class.maxMode != 0 {
			em.Add(r.class.id, result.Fail, r.comp, loc, catalog.F("%s has mode %04o, want %04o or stricter", "%s 的权限为 %04o，应为 %04o 或更严格", r.path, mode, r.class.maxMode), ev)
		} else {
			em.Add(r.class.id, result.Pass, r.comp, loc, catalog.Text{}, ev)
		}
		counted[FileOwner] = true
		// CIS wants root:root: the owner and the group (a group that may
		// write or read the file is as good as its owner).
		if meta.UID != 0 || meta.GID != 0 {
			em.Add(FileOwner, result.Fail, r.comp, loc, catalog.F("%s is owned by uid %d gid %d, not root:root", "%s 的属主为 uid %d gid %d，而非 root:root", r.path, meta.UID, meta.GID), fmt.Sprintf("%s uid=%d gid=%d", r.path, meta.UID, meta.GID))
		}
		if r.class.id == FileCertificates {
			checkCertificate(env, em, r, meta)
		}
	}
	for _, c := range fileChecks[:fileModeChecks] {
		if !counted[c.id] {
			em.Add(c.id, result.NotApplicable, nil, nil, catalog.F("no such files are used on this node", "此节点未使用此类文件"), "")
		}
	}
	checkServingCerts(n, em)
}

// errNotGathered: the source recorded nothing of a file a check needs (a
// fault of the source, never of the node).
const errNotGathered = "not gathered by the node source"

// certsOf parses the certificates the source read from a file: nil and why
// when it could not read or parse them.
func certsOf(fl *inventory.File) ([]*x509.Certificate, string) {
	switch {
	case fl == nil || fl.Certificates == nil:
		return nil, errNotGathered
	case fl.Certificates.Error != "":
		return nil, fl.Certificates.Error
	}
	var out []*x509.Certificate
	for _, c := range fl.Certificates.Certs {
		cert, err := x509.ParseCertificate(c.DER)
		if err != nil {
			return nil, err.Error()
		}
		out = append(out, cert)
	}
	return out, ""
}

func checkCertificate(env *check.Env, em *check.NodeEmitter, r referenced, fl *inventory.File) {
	certs, err := certsOf(fl)
	if err != "" {
		em.Add(CertExpiring, result.Error, r.comp, &result.Location{File: r.path}, catalog.F("cannot parse %s: %v", "无法解析 %s：%v", r.path, err), "")
		return
	}
	c := certs[0]
	loc := &result.Location{File: r.path, Path: r.how}
	left := c.NotAfter.Sub(env.Now)
	ev := fmt.Sprintf("%s: subject %q, expires %s", r.path, c.Subject.CommonName, c.NotAfter.UTC().Format(time.RFC3339))
	if left < 30*24*time.Hour {
		em.Add(CertExpiring, result.Fail, r.comp, loc, catalog.F("%s expires in %d days", "%s 将在 %d 天后过期", r.path, int(left.Hours()/24)), ev)
	} else {
		em.Add(CertExpiring, result.Pass, r.comp, loc, catalog.Text{}, ev)
	}
	weak, desc := weakKey(c)
	kev := fmt.Sprintf("%s: %s", r.path, desc)
	if weak {
		em.Add(CertWeakKey, result.Fail, r.comp, loc, catalog.F("%s uses a weak key: %s", "%s 使用弱密钥：%s", r.path, desc), kev)
	} else {
		em.Add(CertWeakKey, result.Pass, r.comp, loc, catalog.Text{}, kev)
	}
}

func weakKey(c *x509.Certificate) (bool, string) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		return bits < 2048, fmt.Sprintf("RSA %d bits", bits)
	case *ecdsa.PublicKey:
		bits := k.Curve.Params().BitSize
		return bits < 256, fmt.Sprintf("ECDSA P-%d", bits)
	case ed25519.PublicKey:
		return false, "Ed25519"
	}
	return true, fmt.Sprintf("%T", c.PublicKey)
}

// servingPairs are (component, serving cert setting, CA setting) pairs:
// the serving certificate must chain to the CA clients use to verify it.
var servingPairs = []struct{ kind, cert, ca string }{
	{inventory.APIServer, "tls-cert-file", "client-ca-file"},
	{inventory.Etcd, "cert-file", "trusted-ca-file"},
	{inventory.Kubelet, "tls-cert-file", "client-ca-file"},
	// Their serving certificates are self-signed unless set; when set, they
	// should come from the CA their clients trust.
	{inventory.ControllerManager, "tls-cert-file", "client-ca-file"},
	{inventory.Scheduler, "tls-cert-file", "client-ca-file"},
}

func checkServingCerts(n *inventory.Node, em *check.NodeEmitter) {
	any := false
	for _, sp := range servingPairs {
		for _, c := range n.ComponentsOf(sp.kind) {
			certPath, caPath := c.Setting(sp.cert).Value, c.Setting(sp.ca).Value
			if certPath == "" || caPath == "" {
				continue
			}
			any = true
			loc := &result.Location{File: certPath, Path: "--" + sp.cert}
			certs, err := certsOf(n.File(c.PID, certPath))
			if err != "" {
				em.Add(CertUntrusted, result.Error, c, loc, catalog.F("cannot parse %s: %v", "无法解析 %s：%v", certPath, err), "")
				continue
			}
			cas, err := certsOf(n.File(c.PID, caPath))
			if err != "" {
				em.Add(CertUntrusted, result.Error, c, loc, catalog.F("cannot parse %s: %v", "无法解析 %s：%v", caPath, err), "")
				continue
			}
			roots, inter := x509.NewCertPool(), x509.NewCertPool()
			for _, ca := range cas {
				roots.AddCert(ca)
			}
			for _, ic := range certs[1:] {
				inter.AddCert(ic)
			}
			_, verr := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, CurrentTime: certs[0].NotBefore.Add(time.Minute)})
			ev := fmt.Sprintf("%s (issuer %q) against %s", certPath, certs[0].Issuer.CommonName, caPath)
			if verr != nil {
				em.Add(CertUntrusted, result.Fail, c, loc, catalog.F("%s is not signed by the CA in %s: %s", "%s 并非由 %s 中的 CA 签发：%s", certPath, caPath, strings.TrimSpace(verr.Error())), ev)
			} else {
				em.Add(CertUntrusted, result.Pass, c, loc, catalog.Text{}, ev)
			}
		}
	}
	if !any {
		em.Add(CertUntrusted, result.NotApplicable, nil, nil, catalog.F("no serving certificate with a CA to check it against", "没有可与 CA 比对的服务证书"), "")
	}
}
