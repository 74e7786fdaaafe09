package controlplane

import (
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func TestEtcdUniqueCA(t *testing.T) {
	node := func(etcdCA, apiCA string, etcdDER, apiDER string) *inventory.Node {
		etcd := &inventory.Component{Kind: inventory.Etcd, PID: 8, Source: "process", Flags: map[string][]string{"trusted-ca-file": {etcdCA}}}
		api := &inventory.Component{Kind: inventory.APIServer, PID: 7, Source: "process", Flags: map[string][]string{"client-ca-file": {apiCA}}}
		return &inventory.Node{Hostname: "cp", Components: []*inventory.Component{etcd, api}, Files: []*inventory.File{
			{Path: etcdCA, PID: 8, Present: true, Certificates: &inventory.Certificates{Certs: []inventory.Certificate{{Subject: "CN=etcd-ca", DER: []byte(etcdDER)}}}},
			{Path: apiCA, PID: 7, Present: true, Certificates: &inventory.Certificates{Certs: []inventory.Certificate{{Subject: "CN=kubernetes", DER: []byte(apiDER)}}}},
		}}
	}
	tests := []struct {
		name string
		n    *inventory.Node
		want result.Status
		msg  string
	}{
		{"own CA", node("/pki/etcd/ca.crt", "/pki/ca.crt", "etcd", "kube"), result.Pass, ""},
		{"same file", node("/pki/ca.crt", "/pki/ca.crt", "kube", "kube"), result.Fail, "is also the kube-apiserver client CA /pki/ca.crt"},
		{"same certificate in two files", node("/pki/etcd/ca.crt", "/pki/ca.crt", "kube", "kube"), result.Fail, "every Kubernetes client certificate opens etcd"},
		{"no etcd client CA", func() *inventory.Node {
			n := node("/pki/etcd/ca.crt", "/pki/ca.crt", "etcd", "kube")
			delete(n.Components[0].Flags, "trusted-ca-file")
			return n
		}(), result.NotApplicable, "KW-ETCD-002"},
		{"no Kubernetes CA on the node", func() *inventory.Node {
			n := node("/pki/etcd/ca.crt", "/pki/ca.crt", "etcd", "kube")
			n.Components = n.Components[:1]
			return n
		}(), result.NotApplicable, "to compare"},
		{"unreadable CA", func() *inventory.Node {
			n := node("/pki/etcd/ca.crt", "/pki/ca.crt", "etcd", "kube")
			n.Files[0].Certificates = &inventory.Certificates{Error: "no PEM certificate"}
			return n
		}(), result.Error, "no PEM certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *result.Result
			for _, r := range check.EvaluateNode(testEnv(), tc.n) {
				if r.ID == EtcdUniqueCA {
					got = &r
				}
			}
			if got == nil || got.Status != tc.want || !strings.Contains(got.Message.EN, tc.msg) {
				t.Errorf("%s = %+v, want %s with %q", EtcdUniqueCA, got, tc.want, tc.msg)
			}
		})
	}
}

func TestFileOwnerComparesGroup(t *testing.T) {
	n := &inventory.Node{Hostname: "cp", Components: []*inventory.Component{{Kind: inventory.APIServer, PID: 7, Source: "process"}},
		StaticPods: []string{"/etc/kubernetes/manifests/kube-apiserver.yaml"},
		Files:      []*inventory.File{{Path: "/etc/kubernetes/manifests/kube-apiserver.yaml", Present: true, Mode: 0o600, UID: 0, GID: 1000}}}
	found := false
	for _, r := range check.EvaluateNode(testEnv(), n) {
		if r.ID == FileOwner && r.Status == result.Fail && strings.Contains(r.Message.EN, "uid 0 gid 1000, not root:root") {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: a root-owned file of group 1000 does not fail", FileOwner)
	}
}

func TestKubeletHostnameOverride(t *testing.T) {
	for _, tc := range []struct {
		flags map[string][]string
		want  result.Status
	}{
		{map[string][]string{"hostname-override": {"node-a"}}, result.Warn},
		{map[string][]string{}, result.Pass},
	} {
		n := &inventory.Node{Hostname: "n", Components: []*inventory.Component{{Kind: inventory.Kubelet, PID: 3, Source: "process", Flags: tc.flags}}}
		var got *result.Result
		for _, r := range check.EvaluateNode(testEnv(), n) {
			if r.ID == KubeletHostnameOverride {
				got = &r
			}
		}
		if got == nil || got.Status != tc.want || (tc.want == result.Warn && !strings.Contains(got.Message.EN, `"node-a"`)) {
			t.Errorf("%s with %v = %+v, want %s", KubeletHostnameOverride, tc.flags, got, tc.want)
		}
	}
}

// TestKubeletUnitsAndAdminKubeconfigs: the kubelet's systemd unit and
// drop-ins (CIS 4.1.1) and kubeadm's admin.conf (1.1.13, 1.1.14) are
// judged whenever the source found them.
func TestKubeletUnitsAndAdminKubeconfigs(t *testing.T) {
	n := &inventory.Node{Hostname: "cp",
		Components:       []*inventory.Component{{Kind: inventory.Kubelet, PID: 3, Source: "process"}, {Kind: inventory.APIServer, PID: 7, Source: "process"}},
		KubeletUnits:     []string{"/lib/systemd/system/kubelet.service", "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"},
		AdminKubeconfigs: []string{"/etc/kubernetes/admin.conf"},
		Files: []*inventory.File{
			{Path: "/lib/systemd/system/kubelet.service", Present: true, Mode: 0o600},
			{Path: "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", Present: true, Mode: 0o644},
			{Path: "/etc/kubernetes/admin.conf", Present: true, Mode: 0o640, GID: 1000},
		}}
	got := map[string][]string{}
	for _, r := range check.EvaluateNode(testEnv(), n) {
		if r.Location != nil {
			got[r.ID+" "+r.Location.File] = append(got[r.ID+" "+r.Location.File], string(r.Status))
		}
	}
	for key, want := range map[string]string{
		FileKubelet + " /lib/systemd/system/kubelet.service":                   "PASS",
		FileKubelet + " /etc/systemd/system/kubelet.service.d/10-kubeadm.conf": "FAIL",
		FileKubeconfigs + " /etc/kubernetes/admin.conf":                        "FAIL",
		FileOwner + " /etc/kubernetes/admin.conf":                              "FAIL",
	} {
		if len(got[key]) == 0 || got[key][0] != want {
			t.Errorf("%s = %v, want %s", key, got[key], want)
		}
	}
}
