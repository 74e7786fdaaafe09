package cli

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check/cluster"
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

// proveEncryption reads the raw etcd value of one Secret and reports whether
// it carries the k8s:enc: prefix, and which provider wrote it. The value
// itself is never reported.
func proveEncryption(ctx context.Context, c *kube.Client, o *etcdOptions) []result.Result {
	sample := cluster.EtcdSample{Host: c.Host, Endpoint: o.endpoints}
	list, err := c.Metadata.Resource(secretsGVRForProbe).Namespace("").List(ctx, metav1.ListOptions{Limit: 1})
	switch {
	case err != nil:
		sample.ListErr = err
	case len(list.Items) == 0:
		sample.NoSecret = true
	default:
		s := list.Items[0]
		sample.Namespace, sample.Name = s.Namespace, s.Name
		sample.Key = fmt.Sprintf("%s/secrets/%s/%s", o.prefix, s.Namespace, s.Name)
		raw, err := kube.RawValue(ctx, kube.EtcdOptions{Endpoint: o.endpoints, CACert: o.cacert, Cert: o.cert, Key: o.key}, sample.Key)
		if err != nil {
			sample.ReadErr = err
			break
		}
		sample.Size = len(raw)
		sample.Provider, sample.KeyName = kube.EncryptionOf(raw)
	}
	return []result.Result{cluster.EncryptionResult(sample)}
}

var secretsGVRForProbe = schemaSecrets()
