package apiconfig

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apiserver/pkg/apis/audit"
	"k8s.io/apiserver/pkg/audit/policy"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/client-go/tools/clientcmd"
)

func TestEncryptionIsValidAndFresh(t *testing.T) {
	for _, p := range []Provider{Secretbox, AESCBC} {
		a, err := Encryption(p, "key-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Encryption(p, "key-1", nil)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(a, b) {
			t.Errorf("%s: two configurations share a key", p)
		}
		if !strings.Contains(string(a), "- "+string(p)+":") || !strings.Contains(string(a), "kms:") {
			t.Errorf("%s: %s", p, a)
		}
	}
}

func TestValidateEncryptionRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"short key":     "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - secretbox:\n      keys:\n      - name: k\n        secret: c2hvcnQ=\n",
		"no providers":  "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n",
		"not yaml":      "{",
		"unknown field": "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nbogus: 1\nresources: []\n",
	} {
		if err := ValidateEncryption([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAuditPolicyLevels(t *testing.T) {
	data := AuditPolicy()
	if err := ValidateAuditPolicy(data); err != nil {
		t.Fatal(err)
	}
	p, err := policy.LoadPolicyFromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	eval := policy.NewPolicyRuleEvaluator(p)
	admin := &user.DefaultInfo{Name: "alice", Groups: []string{"system:authenticated"}}
	for _, c := range []struct {
		attrs authorizer.AttributesRecord
		want  audit.Level
	}{
		{authorizer.AttributesRecord{User: admin, Verb: "get", Resource: "secrets", ResourceRequest: true, Namespace: "a"}, audit.LevelMetadata},
		{authorizer.AttributesRecord{User: admin, Verb: "create", Resource: "secrets", ResourceRequest: true, Namespace: "a"}, audit.LevelMetadata},
		{authorizer.AttributesRecord{User: admin, Verb: "update", Resource: "configmaps", ResourceRequest: true, Namespace: "a"}, audit.LevelMetadata},
		{authorizer.AttributesRecord{User: admin, Verb: "create", APIGroup: "authentication.k8s.io", Resource: "tokenreviews", ResourceRequest: true}, audit.LevelMetadata},
		{authorizer.AttributesRecord{User: admin, Verb: "create", Resource: "serviceaccounts", Subresource: "token", ResourceRequest: true, Namespace: "a"}, audit.LevelMetadata},
		{authorizer.AttributesRecord{User: admin, Verb: "create", Resource: "pods", ResourceRequest: true, Namespace: "a"}, audit.LevelRequestResponse},
		{authorizer.AttributesRecord{User: admin, Verb: "delete", APIGroup: "rbac.authorization.k8s.io", Resource: "clusterrolebindings", ResourceRequest: true}, audit.LevelRequestResponse},
		{authorizer.AttributesRecord{User: admin, Verb: "list", Resource: "pods", ResourceRequest: true}, audit.LevelMetadata},
		{authorizer.AttributesRecord{User: admin, Verb: "get", Path: "/healthz"}, audit.LevelNone},
		{authorizer.AttributesRecord{User: admin, Verb: "watch", Resource: "pods", ResourceRequest: true}, audit.LevelNone},
	} {
		got := eval.EvaluatePolicyRule(c.attrs).Level
		if got != c.want {
			t.Errorf("%s %s/%s: level %s, want %s", c.attrs.Verb, c.attrs.Resource, c.attrs.Subresource, got, c.want)
		}
	}
}

func TestAuditWebhookKubeconfigLoads(t *testing.T) {
	data, err := AuditWebhookKubeconfig("https://audit.example:8443/events", "/etc/kubernetes/audit/ca.crt", "/etc/kubernetes/audit/client.crt", "/etc/kubernetes/audit/client.key")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := clientcmd.Validate(*cfg); err != nil && !strings.Contains(err.Error(), "unable to read") {
		t.Fatal(err)
	}
	if _, err := AuditWebhookKubeconfig("http://x", "", "", ""); err == nil {
		t.Error("http collector accepted")
	}
}

func TestValidateKubeletConfig(t *testing.T) {
	good := "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nauthentication:\n  anonymous:\n    enabled: false\n"
	if err := ValidateKubeletConfig([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"unknown field": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPorts: 0\n",
		"wrong type":    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: none\n",
		"wrong kind":    "apiVersion: v1\nkind: Pod\n",
	} {
		if err := ValidateKubeletConfig([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestAdmissionConfig(t *testing.T) {
	if err := ValidateAdmissionConfig(AdmissionConfig()); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"repeated": "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: A\n  path: /x\n- name: A\n  path: /y\n",
		"empty":    "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: A\n",
		"unknown":  "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugin: []\n",
	} {
		if err := ValidateAdmissionConfig([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
