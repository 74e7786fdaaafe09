package namespace_test

import (
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/namespace"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

func ns(name string, labels map[string]string) *inventory.Object {
	return checktest.ObjectAt("", "Namespace", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, "ns.yaml", 1)
}

func configMap(namespace, name, file string, line int) *inventory.Object {
	return checktest.ObjectAt("", "ConfigMap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}, file, line)
}

func netpol(namespace, name string, spec networkingv1.NetworkPolicySpec) *inventory.Object {
	return checktest.ObjectAt("networking.k8s.io", "NetworkPolicy", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, Spec: spec}, "np.yaml", 1)
}

var (
	ingress = networkingv1.PolicyTypeIngress
	egress  = networkingv1.PolicyTypeEgress
	byApp   = metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
)

func types(ts ...networkingv1.PolicyType) []networkingv1.PolicyType { return ts }

func evaluate(cfg *config.Config, objs ...*inventory.Object) *check.Report {
	return checktest.Evaluate(check.Options{Config: cfg}, objs...)
}

// verdict is the statuses of id on the subject named name, sorted.
func verdict(rep *check.Report, id, name string) string {
	var out []string
	for _, r := range rep.Results {
		if r.ID == id && r.Subject.Name == name {
			out = append(out, string(r.Status))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func get(rep *check.Report, id, name string) *result.Result {
	for i := range rep.Results {
		if r := &rep.Results[i]; r.ID == id && r.Subject.Name == name && r.Status != result.Pass {
			return r
		}
	}
	return nil
}

func TestQuotaAndLimitRange(t *testing.T) {
	tests := []struct {
		name         string
		objs         []*inventory.Object
		quota, limit string
	}{
		{"both", []*inventory.Object{ns("apps", nil), checktest.Quota("apps"), checktest.LimitRange("apps")}, "PASS", "PASS"},
		{"neither", []*inventory.Object{ns("apps", nil)}, "FAIL", "FAIL"},
		{"quota only", []*inventory.Object{ns("apps", nil), checktest.Quota("apps")}, "PASS", "FAIL"},
		{"another namespace's quota does not count", []*inventory.Object{ns("apps", nil), checktest.Quota("other"), checktest.LimitRange("other")}, "FAIL", "FAIL"},
		{"namespace known only from its objects", []*inventory.Object{configMap("apps", "c", "c.yaml", 1)}, "FAIL", "FAIL"},
		{"system namespace is not applicable", []*inventory.Object{ns("kube-system", nil)}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(nil, tc.objs...)
			subject := "apps"
			if tc.quota == "" {
				subject = "kube-system"
				tc.quota, tc.limit = "NOT_APPLICABLE", "NOT_APPLICABLE"
			}
			if got := verdict(rep, namespace.NoResourceQuota, subject); got != tc.quota {
				t.Errorf("KW-NS-001 = %q, want %q", got, tc.quota)
			}
			if got := verdict(rep, namespace.NoLimitRange, subject); got != tc.limit {
				t.Errorf("KW-NS-002 = %q, want %q", got, tc.limit)
			}
			if r := get(rep, namespace.NoResourceQuota, subject); r != nil {
				if r.Subject != (result.Subject{Kind: "Namespace", Name: subject}) {
					t.Errorf("subject = %+v", r.Subject)
				}
				if r.Status == result.Fail && r.Evidence != "ResourceQuota objects: 0" {
					t.Errorf("evidence = %q", r.Evidence)
				}
				if r.Status == result.NotApplicable && r.Message.EN != "kube-system is a system namespace" {
					t.Errorf("message = %q", r.Message.EN)
				}
			}
		})
	}
}

// TestNamespaceFindingLocation: a namespace finding points at the Namespace
// manifest, or else at the first object of the namespace (by file and line).
func TestNamespaceFindingLocation(t *testing.T) {
	tests := []struct {
		name string
		objs []*inventory.Object
		want result.Location
	}{
		{"Namespace manifest", []*inventory.Object{configMap("apps", "a", "a.yaml", 1), ns("apps", nil)}, result.Location{File: "ns.yaml", Line: 1}},
		{"first object by file", []*inventory.Object{configMap("apps", "b", "b.yaml", 1), configMap("apps", "a", "a.yaml", 30)}, result.Location{File: "a.yaml", Line: 30}},
		{"first object by line", []*inventory.Object{configMap("apps", "b", "a.yaml", 30), configMap("apps", "a", "a.yaml", 4)}, result.Location{File: "a.yaml", Line: 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(evaluate(nil, tc.objs...), namespace.NoResourceQuota, "apps")
			if r == nil || r.Location == nil || *r.Location != tc.want {
				t.Errorf("location = %+v, want %+v", r, tc.want)
			}
		})
	}
}

func TestDefaultDeny(t *testing.T) {
	allowAllIngress := netpol("apps", "allow-all", networkingv1.NetworkPolicySpec{PolicyTypes: types(ingress), Ingress: []networkingv1.NetworkPolicyIngressRule{{}}})
	tests := []struct {
		name        string
		policies    []*inventory.Object
		in, out     string
		inEvidence  string
		outEvidence string
	}{
		{"deny both", []*inventory.Object{checktest.DenyAll("apps")}, "PASS", "PASS", "", ""},
		{"no policy", nil, "FAIL", "FAIL", "NetworkPolicies: 0", "NetworkPolicies: 0"},
		{"no policyTypes isolates ingress only", []*inventory.Object{netpol("apps", "d", networkingv1.NetworkPolicySpec{})}, "PASS", "FAIL", "", "NetworkPolicies: 1"},
		{"no policyTypes with egress rules isolates both", []*inventory.Object{netpol("apps", "d", networkingv1.NetworkPolicySpec{
			Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: checktest.Ptr(intstr.FromInt32(53))}}}}})}, "PASS", "PASS", "", ""},
		{"egress only", []*inventory.Object{netpol("apps", "d", networkingv1.NetworkPolicySpec{PolicyTypes: types(egress)})}, "FAIL", "PASS", "", ""},
		{"policy for some pods is not a default deny", []*inventory.Object{netpol("apps", "web", networkingv1.NetworkPolicySpec{PodSelector: byApp, PolicyTypes: types(ingress, egress)})}, "FAIL", "FAIL", "", ""},
		{"deny undone by an allow-all policy", []*inventory.Object{checktest.DenyAll("apps"), allowAllIngress}, "FAIL", "PASS", "allow-all policy: allow-all", ""},
		{"a select-all policy that allows everything undoes itself", []*inventory.Object{allowAllIngress}, "FAIL", "FAIL", "allow-all policy: allow-all", ""},
		{"allow all from a namespaceSelector {}", []*inventory.Object{checktest.DenyAll("apps"), netpol("apps", "any-ns", networkingv1.NetworkPolicySpec{
			Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}}}}})}, "FAIL", "PASS", "allow-all policy: any-ns", ""},
		{"allow all egress to 0.0.0.0/0", []*inventory.Object{checktest.DenyAll("apps"), netpol("apps", "internet", networkingv1.NetworkPolicySpec{PolicyTypes: types(egress),
			Egress: []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}}}})}, "PASS", "FAIL", "", "allow-all policy: internet"},
		{"allow-all for some pods does not undo the namespace's deny", []*inventory.Object{checktest.DenyAll("apps"), netpol("apps", "web-open", networkingv1.NetworkPolicySpec{PodSelector: byApp,
			Ingress: []networkingv1.NetworkPolicyIngressRule{{}}})}, "PASS", "PASS", "", ""},
		{"narrow allow rules keep the deny", []*inventory.Object{checktest.DenyAll("apps"), netpol("apps", "dns", networkingv1.NetworkPolicySpec{PolicyTypes: types(egress),
			Egress: []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: checktest.Ptr(intstr.FromInt32(53))}}}}})}, "PASS", "PASS", "", ""},
		{"another namespace's deny does not count", []*inventory.Object{checktest.DenyAll("other")}, "FAIL", "FAIL", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(nil, append([]*inventory.Object{ns("apps", nil)}, tc.policies...)...)
			if got := verdict(rep, namespace.NoDefaultDenyIn, "apps"); got != tc.in {
				t.Errorf("KW-NS-003 = %q, want %q", got, tc.in)
			}
			if got := verdict(rep, namespace.NoDefaultDenyOut, "apps"); got != tc.out {
				t.Errorf("KW-NS-004 = %q, want %q", got, tc.out)
			}
			for id, ev := range map[string]string{namespace.NoDefaultDenyIn: tc.inEvidence, namespace.NoDefaultDenyOut: tc.outEvidence} {
				if r := get(rep, id, "apps"); ev != "" && (r == nil || r.Evidence != ev) {
					t.Errorf("%s evidence = %+v, want %q", id, r, ev)
				}
			}
		})
	}
	// System namespaces are exempt.
	rep := evaluate(nil, ns("kube-system", nil))
	if got := verdict(rep, namespace.NoDefaultDenyIn, "kube-system") + "/" + verdict(rep, namespace.NoDefaultDenyOut, "kube-system"); got != "NOT_APPLICABLE/NOT_APPLICABLE" {
		t.Errorf("kube-system = %s", got)
	}
	// Configured system namespaces replace the defaults.
	cfg := config.Default()
	cfg.SystemNamespaces = []string{"platform"}
	rep = evaluate(cfg, ns("platform", nil), ns("kube-system", nil))
	if got := verdict(rep, namespace.NoDefaultDenyIn, "platform") + "/" + verdict(rep, namespace.NoDefaultDenyIn, "kube-system"); got != "NOT_APPLICABLE/FAIL" {
		t.Errorf("platform/kube-system = %s", got)
	}
}

func TestTypes(t *testing.T) {
	rule := []networkingv1.NetworkPolicyEgressRule{{}}
	tests := []struct {
		name    string
		spec    networkingv1.NetworkPolicySpec
		in, out bool
	}{
		{"defaults", networkingv1.NetworkPolicySpec{}, true, false},
		{"defaults with egress rules", networkingv1.NetworkPolicySpec{Egress: rule}, true, true},
		{"ingress", networkingv1.NetworkPolicySpec{PolicyTypes: types(ingress)}, true, false},
		{"egress", networkingv1.NetworkPolicySpec{PolicyTypes: types(egress)}, false, true},
		{"egress listed, with egress rules", networkingv1.NetworkPolicySpec{PolicyTypes: types(egress), Egress: rule}, false, true},
		{"both", networkingv1.NetworkPolicySpec{PolicyTypes: types(egress, ingress)}, true, true},
	}
	for _, tc := range tests {
		in, out := namespace.Types(&networkingv1.NetworkPolicy{Spec: tc.spec})
		if in != tc.in || out != tc.out {
			t.Errorf("%s: Types = %v, %v; want %v, %v", tc.name, in, out, tc.in, tc.out)
		}
	}
}

func TestAllowAllRule(t *testing.T) {
	peer := func(p networkingv1.NetworkPolicyPeer) []networkingv1.NetworkPolicyPeer {
		return []networkingv1.NetworkPolicyPeer{p}
	}
	in := func(from []networkingv1.NetworkPolicyPeer, ports ...networkingv1.NetworkPolicyPort) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{From: from, Ports: ports}}}
	}
	out := func(to []networkingv1.NetworkPolicyPeer) networkingv1.NetworkPolicySpec {
		return networkingv1.NetworkPolicySpec{PolicyTypes: types(egress), Egress: []networkingv1.NetworkPolicyEgressRule{{To: to}}}
	}
	port := networkingv1.NetworkPolicyPort{Port: checktest.Ptr(intstr.FromInt32(443))}
	tests := []struct {
		name     string
		spec     networkingv1.NetworkPolicySpec
		want     string
		path     string
		evidence string
	}{
		{"rule without peers", in(nil), "WARN", "spec.ingress[0]", "a rule with no peers"},
		{"rule without peers but with ports", in(nil, port), "PASS", "", ""},
		{"every namespace", in(peer(networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}})), "WARN", "spec.ingress[0]", "namespaceSelector: {}"},
		{"every pod of every namespace", in(peer(networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &metav1.LabelSelector{}})), "WARN", "", "namespaceSelector: {}"},
		{"some pods of every namespace", in(peer(networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &byApp})), "PASS", "", ""},
		{"labelled namespaces", in(peer(networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}})), "PASS", "", ""},
		{"every pod of the same namespace", in(peer(networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{}})), "PASS", "", ""},
		{"IPv4 anywhere", in(peer(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}})), "WARN", "", "ipBlock 0.0.0.0/0"},
		{"IPv6 anywhere", out(peer(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "::/0"}})), "WARN", "spec.egress[0]", "ipBlock ::/0"},
		{"anywhere except", out(peer(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}})), "PASS", "", ""},
		{"a subnet", out(peer(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}})), "PASS", "", ""},
		{"egress rule without peers", out(nil), "WARN", "spec.egress[0]", "a rule with no peers"},
		{"no rules (deny)", networkingv1.NetworkPolicySpec{PolicyTypes: types(ingress, egress)}, "PASS", "", ""},
		{"two allow-all rules", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}, Egress: []networkingv1.NetworkPolicyEgressRule{{}}}, "WARN WARN", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(nil, netpol("apps", "np", tc.spec))
			if got := verdict(rep, namespace.AllowAllRule, "np"); got != tc.want {
				t.Fatalf("KW-NS-005 = %q, want %q", got, tc.want)
			}
			r := get(rep, namespace.AllowAllRule, "np")
			if tc.path != "" && r.Location.Path != tc.path {
				t.Errorf("path = %q, want %q", r.Location.Path, tc.path)
			}
			if tc.evidence != "" && r.Evidence != tc.evidence {
				t.Errorf("evidence = %q, want %q", r.Evidence, tc.evidence)
			}
		})
	}
}

func TestPodSecurityLabels(t *testing.T) {
	label := func(v string) map[string]string { return map[string]string{namespace.PodSecurityLabel: v} }
	tests := []struct {
		name     string
		objs     []*inventory.Object
		subject  string
		want     string
		path     string
		evidence string
	}{
		{"restricted", []*inventory.Object{ns("apps", label("restricted"))}, "apps", "PASS", "", ""},
		{"baseline", []*inventory.Object{ns("apps", label("baseline"))}, "apps", "PASS", "", ""},
		{"privileged", []*inventory.Object{ns("apps", label("privileged"))}, "apps", "FAIL", "metadata.labels[pod-security.kubernetes.io/enforce]", "pod-security.kubernetes.io/enforce=privileged"},
		{"invalid level", []*inventory.Object{ns("apps", label("strict"))}, "apps", "FAIL", "", "pod-security.kubernetes.io/enforce=strict"},
		{"upper case is not a level", []*inventory.Object{ns("apps", label("Restricted"))}, "apps", "FAIL", "", ""},
		{"no label", []*inventory.Object{ns("apps", nil)}, "apps", "FAIL", "metadata", "pod-security.kubernetes.io/enforce unset"},
		{"warn and audit labels do not enforce", []*inventory.Object{ns("apps", map[string]string{"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted"})}, "apps", "FAIL", "metadata", ""},
		{"system namespace", []*inventory.Object{ns("kube-system", nil)}, "kube-system", "NOT_APPLICABLE", "", ""},
		{"Namespace not scanned", []*inventory.Object{configMap("apps", "c", "c.yaml", 1)}, "apps", "NOT_APPLICABLE", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := evaluate(nil, tc.objs...)
			if got := verdict(rep, namespace.PodSecurityLabels, tc.subject); got != tc.want {
				t.Fatalf("KW-NS-006 = %q, want %q", got, tc.want)
			}
			r := get(rep, namespace.PodSecurityLabels, tc.subject)
			if tc.path != "" && r.Location.Path != tc.path {
				t.Errorf("path = %q, want %q", r.Location.Path, tc.path)
			}
			if tc.evidence != "" && r.Evidence != tc.evidence {
				t.Errorf("evidence = %q, want %q", r.Evidence, tc.evidence)
			}
		})
	}
}

func TestIsolation(t *testing.T) {
	np := func(name string, spec networkingv1.NetworkPolicySpec) *networkingv1.NetworkPolicy {
		return &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}
	}
	deny := np("deny", networkingv1.NetworkPolicySpec{PolicyTypes: types(ingress, egress)})
	openIn := np("open-in", networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}})
	tests := []struct {
		name     string
		policies []*networkingv1.NetworkPolicy
		dir      networkingv1.PolicyType
		want     namespace.Isolated
	}{
		{"nothing", nil, ingress, namespace.Isolated{}},
		{"deny ingress", []*networkingv1.NetworkPolicy{deny}, ingress, namespace.Isolated{DenyBy: "deny"}},
		{"deny egress", []*networkingv1.NetworkPolicy{deny}, egress, namespace.Isolated{DenyBy: "deny"}},
		{"first deny named", []*networkingv1.NetworkPolicy{deny, openIn}, ingress, namespace.Isolated{DenyBy: "deny", UndoneBy: "open-in"}},
		{"open-in does not touch egress", []*networkingv1.NetworkPolicy{deny, openIn}, egress, namespace.Isolated{DenyBy: "deny"}},
	}
	for _, tc := range tests {
		if got := namespace.Isolation(tc.policies, tc.dir); got != tc.want {
			t.Errorf("%s: Isolation = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
