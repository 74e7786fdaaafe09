package node

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/url"
	"path/filepath"
	"strings"

	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/inventory"
)

// parseCertificates reads the PEM certificates of a file (readErr: it
// could not be read).
func parseCertificates(data []byte, readErr error) *inventory.Certificates {
	if readErr != nil {
		return &inventory.Certificates{Error: readErr.Error()}
	}
	out := &inventory.Certificates{}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return &inventory.Certificates{Error: err.Error()}
		}
		out.Certs = append(out.Certs, certificate(c))
	}
	if len(out.Certs) == 0 {
		return &inventory.Certificates{Error: "no PEM certificate"}
	}
	return out
}

func certificate(c *x509.Certificate) inventory.Certificate {
	return inventory.Certificate{Subject: c.Subject.CommonName, Issuer: c.Issuer.CommonName, NotBefore: c.NotBefore, NotAfter: c.NotAfter, DER: c.Raw}
}

// kubeconfigFile is the part of a kubeconfig file the checks need.
type kubeconfigFile struct {
	CurrentContext string `json:"current-context"`
	Clusters       []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server                   string `json:"server"`
			CertificateAuthority     string `json:"certificate-authority"`
			CertificateAuthorityData string `json:"certificate-authority-data"`
			InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify"`
		} `json:"cluster"`
	} `json:"clusters"`
	Contexts []struct {
		Name    string `json:"name"`
		Context struct {
			Cluster string `json:"cluster"`
			User    string `json:"user"`
		} `json:"context"`
	} `json:"contexts"`
	Users []struct {
		Name string `json:"name"`
		User struct {
			ClientCertificate     string `json:"client-certificate"`
			ClientCertificateData string `json:"client-certificate-data"`
			ClientKey             string `json:"client-key"`
			ClientKeyData         string `json:"client-key-data"`
		} `json:"user"`
	} `json:"users"`
}

// kubeconfig parses a kubeconfig that component c names at path, keeping
// no credential; a client certificate in a file is read as c sees it.
func (g *gatherer) kubeconfig(c *inventory.Component, path string, data []byte) *inventory.Kubeconfig {
	var kc kubeconfigFile
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return &inventory.Kubeconfig{Error: err.Error()}
	}
	out := &inventory.Kubeconfig{CurrentContext: kc.CurrentContext}
	for _, x := range kc.Contexts {
		out.Contexts = append(out.Contexts, inventory.KubeconfigContext{Name: x.Name, Cluster: x.Context.Cluster, User: x.Context.User})
	}
	for _, cl := range kc.Clusters {
		out.Clusters = append(out.Clusters, inventory.KubeconfigCluster{Name: cl.Name, Server: WithoutUserinfo(cl.Cluster.Server),
			HasCA:                 cl.Cluster.CertificateAuthority != "" || cl.Cluster.CertificateAuthorityData != "",
			InsecureSkipTLSVerify: cl.Cluster.InsecureSkipTLSVerify})
	}
	pid := 0
	if c != nil {
		pid = c.PID
	}
	for _, u := range kc.Users {
		ku := inventory.KubeconfigUser{Name: u.Name, HasKey: u.User.ClientKey != "" || u.User.ClientKeyData != ""}
		var certPEM []byte
		switch {
		case u.User.ClientCertificateData != "":
			ku.HasCert = true
			certPEM, _ = base64.StdEncoding.DecodeString(u.User.ClientCertificateData)
		case u.User.ClientCertificate != "":
			ku.HasCert = true
			p := u.User.ClientCertificate
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), p)
			}
			ku.CertFile = p
			var err error
			if certPEM, err = g.f.ReadFile(g.f.ForProcess(pid, p)); err != nil {
				ku.CertReadError = err.Error()
			}
		}
		if ku.HasCert && ku.CertReadError == "" {
			block, _ := pem.Decode(certPEM)
			if block == nil {
				ku.CertNotPEM = true
			} else if cert, err := x509.ParseCertificate(block.Bytes); err != nil {
				ku.CertParseError = err.Error()
			} else {
				ku.CertSubject, ku.CertNotAfter = cert.Subject.CommonName, cert.NotAfter
			}
		}
		out.Users = append(out.Users, ku)
	}
	return out
}

// WithoutUserinfo drops the user and password a server URL may carry
// (https://user:pass@host), so evidence never prints a credential.
func WithoutUserinfo(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		if i := strings.LastIndex(server, "@"); i >= 0 {
			if j := strings.Index(server, "://"); j >= 0 && j < i {
				return server[:j+3] + "REDACTED@" + server[i+1:]
			}
			return "REDACTED@" + server[i+1:]
		}
		return server
	}
	if u.User == nil {
		return server
	}
	u.User = url.User("REDACTED")
	return u.String()
}

func parseAuthorization(data []byte) *inventory.Authorization {
	var ac apiserverv1.AuthorizationConfiguration
	if err := yaml.Unmarshal(data, &ac); err != nil {
		return &inventory.Authorization{Error: err.Error()}
	}
	out := &inventory.Authorization{}
	for _, a := range ac.Authorizers {
		out.Authorizers = append(out.Authorizers, string(a.Type))
	}
	return out
}

func parseAuthentication(data []byte) *inventory.Authentication {
	var ac apiserverv1.AuthenticationConfiguration
	if err := yaml.Unmarshal(data, &ac); err != nil {
		return &inventory.Authentication{Error: err.Error()}
	}
	out := &inventory.Authentication{}
	for _, j := range ac.JWT {
		out.JWTIssuers = append(out.JWTIssuers, j.Issuer.URL)
	}
	if a := ac.Anonymous; a != nil {
		out.Anonymous = &inventory.AnonymousAuth{Enabled: a.Enabled}
		for _, cond := range a.Conditions {
			out.Anonymous.Paths = append(out.Anonymous.Paths, cond.Path)
		}
	}
	return out
}

// parseAuditPolicy reads an audit Policy strictly, and leniently when the
// strict read fails (unknown fields are not the check's business).
func parseAuditPolicy(data []byte) *inventory.AuditPolicy {
	var p auditv1.Policy
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		if err2 := yaml.Unmarshal(data, &p); err2 != nil {
			return &inventory.AuditPolicy{Error: err2.Error()}
		}
	}
	out := &inventory.AuditPolicy{}
	for _, r := range p.Rules {
		ar := inventory.AuditRule{Level: string(r.Level),
			Limited: len(r.Users) > 0 || len(r.UserGroups) > 0 || len(r.Verbs) > 0 || len(r.Namespaces) > 0 || len(r.NonResourceURLs) > 0}
		for _, gr := range r.Resources {
			ar.Resources = append(ar.Resources, inventory.AuditGroupResources{Group: gr.Group, Resources: gr.Resources})
		}
		out.Rules = append(out.Rules, ar)
	}
	return out
}

// parseEncryption reads an EncryptionConfiguration's provider names; the
// keys are never kept.
func parseEncryption(data []byte) *inventory.Encryption {
	var ec apiserverv1.EncryptionConfiguration
	if err := yaml.Unmarshal(data, &ec); err != nil {
		return &inventory.Encryption{Error: err.Error()}
	}
	out := &inventory.Encryption{}
	for _, rc := range ec.Resources {
		er := inventory.EncryptionResource{Resources: rc.Resources}
		for _, p := range rc.Providers {
			er.Providers = append(er.Providers, providerName(p))
		}
		out.Resources = append(out.Resources, er)
	}
	return out
}

func providerName(p apiserverv1.ProviderConfiguration) string {
	switch {
	case p.AESCBC != nil:
		return "aescbc"
	case p.AESGCM != nil:
		return "aesgcm"
	case p.Secretbox != nil:
		return "secretbox"
	case p.KMS != nil && p.KMS.APIVersion == "v2":
		return "kms v2"
	case p.KMS != nil:
		return "kms v1"
	}
	return "identity"
}
