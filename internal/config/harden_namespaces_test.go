package config

import (
	"strings"
	"testing"
)

func TestHardenNamespaces(t *testing.T) {
	d := Default().Harden.Namespaces
	q := d.QuotaHard()
	for k, want := range map[string]string{"pods": "500", "requests.cpu": "100", "requests.memory": "500Gi", "limits.cpu": "200", "limits.memory": "2000Gi"} {
		if q[k] != want {
			t.Errorf("default quota %s = %q, want the plan's %q", k, q[k], want)
		}
	}
	if d.LimitRangeDefault()["memory"] != "512Mi" || d.LimitRangeDefault()["cpu"] != "1" ||
		d.LimitRangeDefaultRequest()["memory"] != "128Mi" || d.LimitRangeDefaultRequest()["cpu"] != "100m" {
		t.Errorf("default LimitRange: %v %v", d.LimitRangeDefault(), d.LimitRangeDefaultRequest())
	}
	if ns, l := d.DNS(); ns != "kube-system" || l["k8s-app"] != "kube-dns" || d.Headroom() != 50 {
		t.Errorf("defaults: dns %s %v headroom %d", ns, l, d.Headroom())
	}

	c, err := Parse([]byte("harden:\n  namespaces:\n    quota: {pods: \"20\"}\n    limitDefault: {memory: 1Gi}\n    headroomPercent: 10\n    dnsNamespace: dns\n    dnsPodLabels: {app: coredns}\n    serviceClients: [frontends]\n"))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Harden.Namespaces
	if len(n.QuotaHard()) != 1 || n.QuotaHard()["pods"] != "20" {
		t.Errorf("a given quota replaces the default one: %v", n.QuotaHard())
	}
	if n.LimitRangeDefault()["memory"] != "1Gi" || n.Headroom() != 10 || n.ServiceClients[0] != "frontends" {
		t.Errorf("parsed: %+v", n)
	}
	if ns, l := n.DNS(); ns != "dns" || l["app"] != "coredns" {
		t.Errorf("dns: %s %v", ns, l)
	}

	for _, tc := range []struct{ yaml, want string }{
		{"quota: {pods: many}", "harden.namespaces.quota.pods"},
		{"quota: {pods: \"-1\"}", "harden.namespaces.quota.pods"},
		{"quota: {gpus: \"1\"}", "unknown resource \"gpus\""},
		{"limitDefault: {cpu: \"0\"}", "harden.namespaces.limitDefault.cpu"},
		{"limitDefault: {gpu: \"1\"}", "unknown resource \"gpu\""},
		{"limitDefaultRequest: {memory: 1Gi}", "above limitDefault.memory 512Mi"},
		{"headroomPercent: -5", "headroomPercent"},
		{"dnsNamespace: Kube_System", "dnsNamespace"},
		{"dnsPodLabels: {\"bad key!\": x}", "dnsPodLabels"},
		{"dnsPodLabels: {app: \"bad value!\"}", "dnsPodLabels.app"},
		{"serviceClients: [\"\"]", "serviceClients"},
		{"unknown: 1", "field unknown not found"},
	} {
		_, err := Parse([]byte("harden:\n  namespaces:\n    " + tc.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.yaml, err, tc.want)
		}
	}
	// count/ quotas are accepted.
	if _, err := Parse([]byte("harden:\n  namespaces:\n    quota: {count/deployments.apps: \"10\"}\n")); err != nil {
		t.Error(err)
	}
}
