package cli

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
	"github.com/kubeward/kubeward/internal/source/kube"
)

type etcdOptions struct {
	endpoints, cacert, cert, key, prefix string
}

func addEtcdFlags(f *pflag.FlagSet, o *etcdOptions) {
	f.StringVar(&o.endpoints, "etcd-endpoints", "", "prove encryption at rest: read one Secret's raw value from this etcd (https://host:2379)")
	f.StringVar(&o.cacert, "etcd-cacert", "", "CA certificate of etcd")
	f.StringVar(&o.cert, "etcd-cert", "", "etcd client certificate")
	f.StringVar(&o.key, "etcd-key", "", "etcd client key")
	f.StringVar(&o.prefix, "etcd-prefix", "/registry", "the API server's --etcd-prefix")
}

// validate refuses etcd flags that would be ignored: the certificate
// flags and --etcd-prefix mean nothing without --etcd-endpoints.
func (o *etcdOptions) validate(prefixChanged bool) error {
	if o.endpoints == "" {
		for _, f := range []struct{ flag, v string }{{"etcd-cacert", o.cacert}, {"etcd-cert", o.cert}, {"etcd-key", o.key}} {
			if f.v != "" {
				return usageError("--%s is given without --etcd-endpoints: it would be ignored", f.flag)
			}
		}
		if prefixChanged {
			return usageError("--etcd-prefix is given without --etcd-endpoints: it would be ignored")
		}
		return nil
	}
	if (o.cert == "") != (o.key == "") {
		return usageError("--etcd-cert and --etcd-key go together")
	}
	if o.prefix == "" || o.prefix[0] != '/' {
		return usageError("--etcd-prefix %q: must start with /", o.prefix)
	}
	return nil
}

// EncryptionProvenID is the check proving encryption at rest in etcd.
const EncryptionProvenID = "KW-CL-090"

func init() {
	catalog.Register(&catalog.Entry{ID: EncryptionProvenID, Item: "4.11", Severity: catalog.SeverityCritical, Scope: []string{"cluster"},
		References:  []string{"CIS Kubernetes 1.2.31", "Kubernetes docs: Encrypting Confidential Data at Rest (verify)"},
		Title:       catalog.Text{EN: "Secrets are stored in etcd without encryption", ZH: "Secret 在 etcd 中未加密存储"},
		Remediation: catalog.Text{EN: "Configure an EncryptionConfiguration (aescbc, aesgcm, secretbox or KMS v2 first) and rewrite existing Secrets: kubectl get secrets -A -o json | kubectl replace -f -.", ZH: "配置 EncryptionConfiguration（首个提供者为 aescbc、aesgcm、secretbox 或 KMS v2），并重写现有 Secret：kubectl get secrets -A -o json | kubectl replace -f -。"}})
}

// proveEncryption reads the raw etcd value of one Secret and reports whether
// it carries the k8s:enc: prefix, and which provider wrote it. The value
// itself is never reported.
func proveEncryption(ctx context.Context, c *kube.Client, o *etcdOptions) []result.Result {
	subject := result.Subject{Kind: "Cluster", Name: c.Host}
	fail := func(status result.Status, msg catalog.Text, ev string) []result.Result {
		return []result.Result{{ID: EncryptionProvenID, Status: status, Severity: catalog.SeverityCritical, Subject: subject, Message: msg, Evidence: ev,
			Location: &result.Location{File: o.endpoints}}}
	}
	list, err := c.Metadata.Resource(secretsGVRForProbe).Namespace("").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return fail(result.Error, catalog.F("cannot list Secrets to pick one: %v", "无法列出 Secret 以选取样本：%v", err), "")
	}
	if len(list.Items) == 0 {
		return fail(result.NotApplicable, catalog.F("the cluster has no Secret to check", "集群中没有可检查的 Secret"), "")
	}
	s := list.Items[0]
	key := fmt.Sprintf("%s/secrets/%s/%s", o.prefix, s.Namespace, s.Name)
	raw, err := kube.RawValue(ctx, kube.EtcdOptions{Endpoint: o.endpoints, CACert: o.cacert, Cert: o.cert, Key: o.key}, key)
	if err != nil {
		return fail(result.Error, catalog.F("%v", "%v", err), "key "+key)
	}
	provider, keyName := kube.EncryptionOf(raw)
	ev := fmt.Sprintf("etcd key %s: %d bytes", key, len(raw))
	if provider == "" {
		return fail(result.Fail, catalog.F("Secret %s/%s is stored in etcd in plain text", "Secret %s/%s 以明文存储在 etcd 中", s.Namespace, s.Name), ev+", no k8s:enc: prefix")
	}
	r := fail(result.Pass, catalog.F("Secret %s/%s is encrypted in etcd by %s (key %s)", "Secret %s/%s 在 etcd 中由 %s 加密（密钥 %s）", s.Namespace, s.Name, provider, keyName),
		fmt.Sprintf("%s, prefix k8s:enc:%s", ev, provider))
	return r
}

var secretsGVRForProbe = schemaSecrets()
