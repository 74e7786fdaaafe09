package cluster

import (
	"fmt"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

// EncryptionProven is the check proving encryption at rest: one Secret's
// raw value, read from etcd, carries the k8s:enc: prefix.
const EncryptionProven = "KW-CL-090"

func init() {
	check.Register(check.Spec{ID: EncryptionProven, Item: "4.11", Severity: catalog.SeverityCritical, Scope: check.Cluster,
		References:  []string{"CIS Kubernetes v1.12 1.2.28", "Kubernetes docs: Encrypting Confidential Data at Rest (verify)"},
		Title:       catalog.Text{EN: "Secrets are stored in etcd without encryption", ZH: "Secret 在 etcd 中未加密存储"},
		Remediation: catalog.Text{EN: "Configure an EncryptionConfiguration (aescbc, aesgcm, secretbox or KMS v2 first) and rewrite existing Secrets: kubectl get secrets -A -o json | kubectl replace -f -.", ZH: "配置 EncryptionConfiguration（首个提供者为 aescbc、aesgcm、secretbox 或 KMS v2），并重写现有 Secret：kubectl get secrets -A -o json | kubectl replace -f -。"}})
}

// EtcdSample is what was read to prove encryption at rest: one Secret's
// stored value in etcd. The value itself is never kept, only its size and
// the provider named by its prefix.
type EtcdSample struct {
	Host     string // the API server: the subject of the result
	Endpoint string // the etcd endpoint read
	// ListErr is set when no Secret could be listed to pick one.
	ListErr error
	// NoSecret is set when the cluster has no Secret.
	NoSecret bool
	// Namespace and Name are the Secret read, Key its etcd key.
	Namespace, Name, Key string
	// ReadErr is set when etcd could not be read.
	ReadErr error
	// Size is the stored value's length; Provider and KeyName are from its
	// k8s:enc:PROVIDER:v1:KEY: prefix ("" when there is none).
	Size              int
	Provider, KeyName string
}

// EncryptionResult judges the sample: PASS when the value is encrypted,
// FAIL when it is plain text, ERROR or NOT_APPLICABLE when nothing could be
// read.
func EncryptionResult(s EtcdSample) result.Result {
	r := result.Result{ID: EncryptionProven, Severity: check.Severity(EncryptionProven), Subject: result.Subject{Kind: "Cluster", Name: s.Host},
		Location: &result.Location{File: s.Endpoint}}
	ev := fmt.Sprintf("etcd key %s: %d bytes", s.Key, s.Size)
	switch {
	case s.ListErr != nil:
		r.Status, r.Message = result.Error, catalog.F("cannot list Secrets to pick one: %v", "无法列出 Secret 以选取样本：%v", s.ListErr)
	case s.NoSecret:
		r.Status, r.Message = result.NotApplicable, catalog.F("the cluster has no Secret to check", "集群中没有可检查的 Secret")
	case s.ReadErr != nil:
		r.Status, r.Message, r.Evidence = result.Error, catalog.F("%v", "%v", s.ReadErr), "key "+s.Key
	case s.Provider == "":
		r.Status, r.Evidence = result.Fail, ev+", no k8s:enc: prefix"
		r.Message = catalog.F("Secret %s/%s is stored in etcd in plain text", "Secret %s/%s 以明文存储在 etcd 中", s.Namespace, s.Name)
	default:
		r.Status, r.Evidence = result.Pass, fmt.Sprintf("%s, prefix k8s:enc:%s", ev, s.Provider)
		r.Message = catalog.F("Secret %s/%s is encrypted in etcd by %s (key %s)", "Secret %s/%s 在 etcd 中由 %s 加密（密钥 %s）", s.Namespace, s.Name, s.Provider, s.KeyName)
	}
	return r
}
