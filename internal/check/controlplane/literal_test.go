package controlplane

import (
	"testing"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// TestLiteralInventory: the node checks judge facts, so a literal
// inventory (no file, no machine) is enough to drive them: file modes and
// owners, an encryption configuration's providers, etcd's data directory.
func TestLiteralInventory(t *testing.T) {
	api := &inventory.Component{Kind: inventory.APIServer, PID: 7, Source: "process", Flags: map[string][]string{
		"encryption-provider-config": {"/etc/kubernetes/enc.yaml"},
		"tls-private-key-file":       {"/etc/kubernetes/pki/apiserver.key"},
	}}
	etcd := &inventory.Component{Kind: inventory.Etcd, PID: 8, Source: "process", Cwd: "/var/lib", Flags: map[string][]string{"data-dir": {"etcd"}}}
	n := &inventory.Node{Hostname: "cp", Components: []*inventory.Component{api, etcd},
		StaticPods: []string{"/etc/kubernetes/manifests/kube-apiserver.yaml"},
		Files: []*inventory.File{
			{Path: "/etc/kubernetes/enc.yaml", PID: 7, Present: true, Mode: 0o600,
				Encryption: &inventory.Encryption{Resources: []inventory.EncryptionResource{{Resources: []string{"secrets"}, Providers: []string{"identity", "aescbc"}}}}},
			{Path: "/etc/kubernetes/pki/apiserver.key", PID: 7, Present: true, Mode: 0o644, UID: 1000},
			{Path: "/etc/kubernetes/manifests/kube-apiserver.yaml", Present: true, Mode: 0o600},
			{Path: "/var/lib/etcd", PID: 8, Present: true, Mode: 0o755, Dir: true},
		}}
	want := map[string]result.Status{
		"KW-API-013":    result.Fail, // identity first: new Secrets are written unencrypted
		FilePrivateKeys: result.Fail, // the key is 0644
		FileOwner:       result.Fail, // and owned by uid 1000
		FileStaticPods:  result.Pass,
		"KW-ETCD-008":   result.Fail, // /var/lib/etcd is 0755
	}
	got := map[string][]result.Status{}
	for _, r := range check.EvaluateNode(testEnv(), n) {
		got[r.ID] = append(got[r.ID], r.Status)
	}
	for id, st := range want {
		found := false
		for _, s := range got[id] {
			found = found || s == st
		}
		if !found {
			t.Errorf("%s: %v, want a %s", id, got[id], st)
		}
	}
}
