package inventory

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// File is what the node source saw of one file a component names (a
// certificate, a key, a kubeconfig, a config file, a data directory) or
// that a check judges by itself (a static pod manifest): presence, mode
// and owner, and, for the files whose content a check reads, that content
// parsed into facts. Secrets never reach it: private keys are only
// stat'ed, kubeconfigs and encryption configurations keep no credential.
type File struct {
	// Path is the file as the component names it; PID the process whose
	// view resolved it (0: the host's view).
	Path string `json:"path"`
	PID  int    `json:"pid,omitempty"`
	// Resolved is the path the source read: Path, or /proc/PID/root/Path
	// for a containerized component.
	Resolved string `json:"resolved,omitempty"`
	// Present: the file exists. Otherwise StatError says why its metadata
	// could not be read, and Absent that it does not exist.
	Present   bool   `json:"present"`
	StatError string `json:"statError,omitempty"`
	Absent    bool   `json:"absent,omitempty"`
	// NoAccess: the node's files are not readable from where the audit
	// ran (the control plane seen through the API).
	NoAccess bool   `json:"noAccess,omitempty"`
	Mode     uint32 `json:"mode,omitempty"` // permission bits
	UID      uint32 `json:"uid"`
	GID      uint32 `json:"gid"`
	Size     int64  `json:"size,omitempty"`
	Dir      bool   `json:"dir,omitempty"`
	// ReadError says why the content could not be read, for a file whose
	// content was wanted.
	ReadError string `json:"readError,omitempty"`

	// Content facts, each set only when a setting names the file as such.
	Certificates   *Certificates   `json:"certificates,omitempty"`
	Kubeconfig     *Kubeconfig     `json:"kubeconfig,omitempty"`
	Authorization  *Authorization  `json:"authorization,omitempty"`
	Authentication *Authentication `json:"authentication,omitempty"`
	AuditPolicy    *AuditPolicy    `json:"auditPolicy,omitempty"`
	Encryption     *Encryption     `json:"encryption,omitempty"`
}

// Certificates are the PEM certificates a file holds, in order.
type Certificates struct {
	// Error says why they could not be parsed (no PEM certificate, a
	// malformed one).
	Error string        `json:"error,omitempty"`
	Certs []Certificate `json:"certs,omitempty"`
}

// Certificate is one X.509 certificate: its metadata, and its DER (public)
// so that a check can verify a chain.
type Certificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	DER       []byte    `json:"der"`
}

// Kubeconfig is what a kubeconfig says of its current context, without
// any credential: the cluster's server (user and password dropped), whether
// a CA verifies it, and the user's client certificate.
type Kubeconfig struct {
	Error          string `json:"error,omitempty"` // the file does not parse
	CurrentContext string `json:"currentContext,omitempty"`
	// Contexts maps each context to its cluster and user.
	Contexts []KubeconfigContext `json:"contexts,omitempty"`
	Clusters []KubeconfigCluster `json:"clusters,omitempty"`
	Users    []KubeconfigUser    `json:"users,omitempty"`
}

// KubeconfigContext is one context.
type KubeconfigContext struct {
	Name    string `json:"name"`
	Cluster string `json:"cluster"`
	User    string `json:"user"`
}

// KubeconfigCluster is one cluster.
type KubeconfigCluster struct {
	Name                  string `json:"name"`
	Server                string `json:"server"` // without user information
	HasCA                 bool   `json:"hasCA"`
	InsecureSkipTLSVerify bool   `json:"insecureSkipTLSVerify,omitempty"`
}

// KubeconfigUser is one user: whether it has a client key, and its client
// certificate as read (inline data or a file beside the kubeconfig).
type KubeconfigUser struct {
	Name string `json:"name"`
	// CertFile is the client-certificate file, resolved against the
	// kubeconfig's directory; empty for inline data.
	CertFile string `json:"certFile,omitempty"`
	HasCert  bool   `json:"hasCert"`
	HasKey   bool   `json:"hasKey"`
	// CertReadError: the certificate file could not be read. CertNotPEM:
	// what was read is not PEM. CertParseError: the first PEM block is
	// not a certificate.
	CertReadError  string    `json:"certReadError,omitempty"`
	CertNotPEM     bool      `json:"certNotPEM,omitempty"`
	CertParseError string    `json:"certParseError,omitempty"`
	CertSubject    string    `json:"certSubject,omitempty"`
	CertNotAfter   time.Time `json:"certNotAfter,omitzero"`
}

// Authorization is an AuthorizationConfiguration: its authorizer types in
// order.
type Authorization struct {
	Error       string   `json:"error,omitempty"`
	Authorizers []string `json:"authorizers,omitempty"`
}

// Authentication is an AuthenticationConfiguration: its JWT issuers and
// its anonymous settings.
type Authentication struct {
	Error      string   `json:"error,omitempty"`
	JWTIssuers []string `json:"jwtIssuers,omitempty"`
	// Anonymous is nil when the file does not configure anonymous requests.
	Anonymous *AnonymousAuth `json:"anonymous,omitempty"`
}

// AnonymousAuth is the anonymous section: enabled, and the paths it is
// limited to.
type AnonymousAuth struct {
	Enabled bool     `json:"enabled"`
	Paths   []string `json:"paths,omitempty"`
}

// AuditPolicy is an audit Policy's rules in order.
type AuditPolicy struct {
	Error string      `json:"error,omitempty"`
	Rules []AuditRule `json:"rules,omitempty"`
}

// AuditRule is one rule: its level, whether it is limited to some
// requests (users, groups, verbs, namespaces or non-resource URLs), and the
// resources it names.
type AuditRule struct {
	Level     string                `json:"level"`
	Limited   bool                  `json:"limited,omitempty"`
	Resources []AuditGroupResources `json:"resources,omitempty"`
}

// AuditGroupResources is one group and its resources in an audit rule.
type AuditGroupResources struct {
	Group     string   `json:"group"`
	Resources []string `json:"resources,omitempty"`
}

// Encryption is an EncryptionConfiguration without its keys: for each
// resource list, the providers by name (aescbc, aesgcm, secretbox, kms v1,
// kms v2, identity) in order.
type Encryption struct {
	Error     string               `json:"error,omitempty"`
	Resources []EncryptionResource `json:"resources,omitempty"`
}

// EncryptionResource is one entry of an EncryptionConfiguration.
type EncryptionResource struct {
	Resources []string `json:"resources"`
	Providers []string `json:"providers"`
}

// CalicoConfig is Calico's datastore settings as one of its files holds
// them (calicoctl.cfg, a CNI configuration).
type CalicoConfig struct {
	File      string `json:"file"`
	Datastore string `json:"datastore,omitempty"`
	Endpoints string `json:"endpoints,omitempty"`
	CA        string `json:"ca,omitempty"`
	Cert      string `json:"cert,omitempty"`
	Key       string `json:"key,omitempty"`
}

// File returns what the source saw of a file a component (pid, 0 for the
// host) names, or nil when the source did not look at it.
func (n *Node) File(pid int, path string) *File {
	for _, f := range n.Files {
		if f.PID == pid && f.Path == path {
			return f
		}
	}
	return nil
}

// AddFile records a file, replacing what was recorded of the same file.
func (n *Node) AddFile(f *File) {
	for i, g := range n.Files {
		if g.PID == f.PID && g.Path == f.Path {
			n.Files[i] = f
			return
		}
	}
	n.Files = append(n.Files, f)
}

// Where is the path the file was read at: Resolved, else Path.
func (f *File) Where() string {
	if f.Resolved != "" {
		return f.Resolved
	}
	return f.Path
}

// String names the file and its mode for evidence.
func (f *File) String() string { return fmt.Sprintf("%s mode %04o", f.Path, f.Mode) }

// DataDir is etcd's data directory as the process uses it: --data-dir,
// resolved against its working directory when relative (${name}
// expanded), when the working directory is known.
func (c *Component) DataDir() string {
	dir := c.Setting("data-dir").Value
	if !filepath.IsAbs(dir) && c.Cwd != "" {
		dir = filepath.Join(c.Cwd, strings.ReplaceAll(dir, "${name}", c.Setting("name").Value))
	}
	return dir
}

// ErrorOf is why the content did not parse ("" when it did, or when a is nil).
func (a *Authorization) ErrorOf() string {
	if a == nil {
		return ""
	}
	return a.Error
}

// ErrorOf is why the content did not parse ("" when it did, or when a is nil).
func (a *Authentication) ErrorOf() string {
	if a == nil {
		return ""
	}
	return a.Error
}

// ErrorOf is why the content did not parse ("" when it did, or when p is nil).
func (p *AuditPolicy) ErrorOf() string {
	if p == nil {
		return ""
	}
	return p.Error
}

// ErrorOf is why the content did not parse ("" when it did, or when e is nil).
func (e *Encryption) ErrorOf() string {
	if e == nil {
		return ""
	}
	return e.Error
}

// ErrorOf is why the content did not parse ("" when it did, or when k is nil).
func (k *Kubeconfig) ErrorOf() string {
	if k == nil {
		return ""
	}
	return k.Error
}
