package cluster_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/check/checktest"
	"github.com/kubeward/kubeward/internal/check/cluster"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

// TestOnlyLiveClusters: the KW-CL checks need a live cluster; on manifests
// they say nothing. KW-CL-012 (a token Secret) is the exception: judged on
// the Secret alone, in every mode (TestLongLivedTokenManifests).
func TestOnlyLiveClusters(t *testing.T) {
	objs := flatten(
		deploymentPods("apps", "a", podOpts{sa: "shared"}, "n1", "n1"),
		deploymentPods("apps", "b", podOpts{sa: "shared"}, "n1"),
		[]*inventory.Object{namespace("apps", nil), live("", "Secret", "secrets", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tok", Namespace: "apps",
			Annotations: map[string]string{corev1.ServiceAccountNameKey: "shared"}}})},
	)
	for _, mode := range []string{"manifest", "admission"} {
		rep := evaluate(mode, nil, objs...)
		for _, r := range rep.Results {
			if strings.HasPrefix(r.ID, "KW-CL-") && r.ID != cluster.LongLivedToken {
				t.Errorf("%s mode: %s %s on %s", mode, r.ID, r.Status, r.Subject)
			}
		}
		for id := range rep.Passed {
			if strings.HasPrefix(id, "KW-CL-") && id != cluster.LongLivedToken {
				t.Errorf("%s mode: %s passed", mode, id)
			}
		}
	}
	rep := scan(objs...)
	for _, id := range []string{cluster.SharedServiceAccount, cluster.LongLivedToken, cluster.NoIngressPolicy, cluster.ReplicasOneNode} {
		if first(rep, id, result.Fail, result.Warn) == nil {
			t.Errorf("cluster mode: no finding for %s; results: %s", id, verdicts(rep, id))
		}
	}
}

func TestSharedServiceAccount(t *testing.T) {
	sa := live("", "ServiceAccount", "serviceaccounts", &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "shared", Namespace: "apps"}})
	tests := []struct {
		name string
		objs []*inventory.Object
		want string
	}{
		{"two deployments share an account", flatten(deploymentPods("apps", "a", podOpts{sa: "shared"}, "n1", "n2"), deploymentPods("apps", "b", podOpts{sa: "shared"}, "n1")),
			"FAIL ServiceAccount/apps/shared"},
		{"the account object is the subject when scanned", flatten(deploymentPods("apps", "a", podOpts{sa: "shared"}, "n1"), deploymentPods("apps", "b", podOpts{sa: "shared"}, "n1"), []*inventory.Object{sa}),
			"FAIL ServiceAccount/apps/shared"},
		{"one deployment, many pods", deploymentPods("apps", "a", podOpts{sa: "own"}, "n1", "n2", "n3"), "PASS ServiceAccount/apps/own"},
		{"a deployment and a cronjob", flatten(deploymentPods("apps", "a", podOpts{sa: "shared"}, "n1"),
			[]*inventory.Object{job("apps", "nightly-1", "nightly"), pod("apps", "nightly-1-x", podOpts{owner: "Job/nightly-1", sa: "shared"})}),
			"FAIL ServiceAccount/apps/shared"},
		{"two jobs of one cronjob are one workload", []*inventory.Object{job("apps", "n-1", "nightly"), job("apps", "n-2", "nightly"),
			pod("apps", "n-1-x", podOpts{owner: "Job/n-1", sa: "batch"}), pod("apps", "n-2-x", podOpts{owner: "Job/n-2", sa: "batch"})},
			"PASS ServiceAccount/apps/batch"},
		{"same name in two namespaces", flatten(deploymentPods("apps", "a", podOpts{sa: "app"}, "n1"), deploymentPods("web", "b", podOpts{sa: "app"}, "n1")),
			"PASS ServiceAccount/apps/app; PASS ServiceAccount/web/app"},
		{"two bare pods", []*inventory.Object{pod("apps", "p1", podOpts{sa: "shared"}), pod("apps", "p2", podOpts{sa: "shared"})}, "FAIL ServiceAccount/apps/shared"},
		{"default account is KW-SA-001's", flatten(deploymentPods("apps", "a", podOpts{}, "n1"), deploymentPods("apps", "b", podOpts{}, "n1")), ""},
		{"system namespaces run platform components", flatten(deploymentPods("kube-system", "a", podOpts{sa: "x"}, "n1"), deploymentPods("kube-system", "b", podOpts{sa: "x"}, "n1")), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(tc.objs...)
			if got := verdicts(rep, cluster.SharedServiceAccount); got != tc.want {
				t.Fatalf("KW-CL-011 = %q, want %q", got, tc.want)
			}
			if r := first(rep, cluster.SharedServiceAccount, result.Fail); r != nil && !strings.Contains(r.Message.EN, "is used by 2 workloads") {
				t.Errorf("message = %q", r.Message.EN)
			}
		})
	}
	r := first(scan(flatten(deploymentPods("apps", "a", podOpts{sa: "shared"}, "n1"), deploymentPods("apps", "b", podOpts{sa: "shared"}, "n1"))...), cluster.SharedServiceAccount, result.Fail)
	if r.Evidence != "Deployment/a, Deployment/b" {
		t.Errorf("evidence = %q, want the sorted workloads", r.Evidence)
	}
}

func TestLongLivedToken(t *testing.T) {
	secret := func(name string, ann map[string]string) *inventory.Object {
		return live("", "Secret", "secrets", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps", Annotations: ann}})
	}
	rep := scan(
		secret("legacy-token", map[string]string{corev1.ServiceAccountNameKey: "deployer"}),
		secret("db", nil),
		secret("other", map[string]string{"a": "b"}),
	)
	if got := verdicts(rep, cluster.LongLivedToken); got != "FAIL Secret/apps/legacy-token; PASS Secret/apps/db; PASS Secret/apps/other" {
		t.Fatalf("KW-CL-012 = %q", got)
	}
	r := first(rep, cluster.LongLivedToken, result.Fail)
	if r.Evidence != "annotation kubernetes.io/service-account.name=deployer (value not read)" {
		t.Errorf("evidence = %q", r.Evidence)
	}
	if r.Location == nil || r.Location.Origin != "/api/v1/namespaces/apps/secrets/legacy-token" {
		t.Errorf("location = %+v", r.Location)
	}
}

func TestNetworkPolicyCoverage(t *testing.T) {
	web := map[string]string{"app": "web"}
	np := func(name string, sel metav1.LabelSelector, types ...networkingv1.PolicyType) *inventory.Object {
		return live("networking.k8s.io", "NetworkPolicy", "networkpolicies", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: types}})
	}
	ingress, egress := networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress
	pods := deploymentPods("apps", "web", podOpts{sa: "web", labels: web}, "n1")
	tests := []struct {
		name     string
		policies []*inventory.Object
		in, out  string
	}{
		{"none", nil, "FAIL", "FAIL"},
		{"namespace default deny", []*inventory.Object{np("deny", metav1.LabelSelector{}, ingress, egress)}, "PASS", "PASS"},
		{"policy for the app, ingress only", []*inventory.Object{np("web", metav1.LabelSelector{MatchLabels: web})}, "PASS", "FAIL"},
		{"egress by policyTypes", []*inventory.Object{np("web-out", metav1.LabelSelector{MatchLabels: web}, egress)}, "FAIL", "PASS"},
		{"policy for other pods", []*inventory.Object{np("db", metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}, ingress, egress)}, "FAIL", "FAIL"},
		{"expression selector", []*inventory.Object{np("expr", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "api"}}}}, ingress)}, "PASS", "FAIL"},
		{"invalid selector selects nothing", []*inventory.Object{np("bad", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: "Bogus"}}}, ingress)}, "FAIL", "FAIL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(append(append([]*inventory.Object{}, pods...), tc.policies...)...)
			if got := verdicts(rep, cluster.NoIngressPolicy); got != tc.in+" Deployment/apps/web" {
				t.Errorf("KW-CL-020 = %q, want %s", got, tc.in)
			}
			if got := verdicts(rep, cluster.NoEgressPolicy); got != tc.out+" Deployment/apps/web" {
				t.Errorf("KW-CL-021 = %q, want %s", got, tc.out)
			}
			if r := first(rep, cluster.NoIngressPolicy, result.Fail); r != nil {
				if r.Evidence != "pod labels map[app:web]" || r.Location == nil || r.Location.Origin != "/api/v1/namespaces/apps/pods/web-a" {
					t.Errorf("evidence %q location %+v", r.Evidence, r.Location)
				}
			}
		})
	}
	// System namespaces are not judged.
	if got := verdicts(scan(deploymentPods("kube-system", "dns", podOpts{sa: "dns"}, "n1")...), cluster.NoIngressPolicy); got != "" {
		t.Errorf("kube-system: %q", got)
	}
}

func TestQuotaIncomplete(t *testing.T) {
	q := func(name string, keys ...string) *inventory.Object {
		hard := corev1.ResourceList{}
		for _, k := range keys {
			hard[corev1.ResourceName(k)] = resource.MustParse("10")
		}
		return live("", "ResourceQuota", "resourcequotas", &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "apps"}, Spec: corev1.ResourceQuotaSpec{Hard: hard}})
	}
	tests := []struct {
		name    string
		quotas  []*inventory.Object
		want    string
		message string
	}{
		{"complete", []*inventory.Object{q("q", "requests.cpu", "requests.memory", "pods", "services", "requests.storage", "persistentvolumeclaims")}, "PASS", ""},
		{"alternative keys", []*inventory.Object{q("q", "limits.cpu", "memory", "count/pods", "count/services", "requests.storage", "count/persistentvolumeclaims")}, "PASS", ""},
		{"split over two quotas", []*inventory.Object{q("compute", "requests.cpu", "requests.memory", "pods"), q("objects", "services", "requests.storage", "persistentvolumeclaims")}, "PASS", ""},
		{"compute only", []*inventory.Object{q("q", "requests.cpu", "requests.memory")}, "FAIL", "the quotas of namespace apps do not bound pods, services, storage, persistentvolumeclaims"},
		{"empty quota", []*inventory.Object{q("q")}, "FAIL", "the quotas of namespace apps do not bound cpu, memory, pods, services, storage, persistentvolumeclaims"},
		{"no quota: KW-NS-001's", nil, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(append([]*inventory.Object{namespace("apps", nil)}, tc.quotas...)...)
			want := tc.want
			if want != "" {
				want += " Namespace/apps"
			}
			if got := verdicts(rep, cluster.QuotaIncomplete); got != want {
				t.Fatalf("KW-CL-030 = %q, want %q", got, want)
			}
			if r := first(rep, cluster.QuotaIncomplete, result.Fail); r != nil && r.Message.EN != tc.message {
				t.Errorf("message = %q, want %q", r.Message.EN, tc.message)
			}
		})
	}
	// System namespaces are not judged.
	sys := live("", "ResourceQuota", "resourcequotas", &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "kube-system"}})
	if got := verdicts(scan(sys), cluster.QuotaIncomplete); got != "" {
		t.Errorf("kube-system: %q", got)
	}
	// The evidence lists what the quotas do bound.
	r := first(scan(q("q", "pods", "requests.cpu")), cluster.QuotaIncomplete, result.Fail)
	if r == nil || r.Evidence != "hard: pods, requests.cpu" {
		t.Errorf("evidence = %+v", r)
	}
}

func usedQuota(hard, used map[string]string) *inventory.Object {
	rq := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", Namespace: "apps"}}
	rq.Status.Hard, rq.Status.Used = corev1.ResourceList{}, corev1.ResourceList{}
	for k, v := range hard {
		rq.Status.Hard[corev1.ResourceName(k)] = resource.MustParse(v)
	}
	for k, v := range used {
		rq.Status.Used[corev1.ResourceName(k)] = resource.MustParse(v)
	}
	rq.Spec.Hard = rq.Status.Hard
	return live("", "ResourceQuota", "resourcequotas", rq)
}

func TestQuotaNearlyUsed(t *testing.T) {
	tests := []struct {
		name       string
		hard, used map[string]string
		want       int
		evidence   string
	}{
		{"90% used", map[string]string{"pods": "10"}, map[string]string{"pods": "9"}, 1, "pods used=9 hard=10"},
		{"full", map[string]string{"requests.memory": "1Gi"}, map[string]string{"requests.memory": "1Gi"}, 1, "requests.memory used=1Gi hard=1Gi"},
		{"89% used", map[string]string{"requests.cpu": "1000m"}, map[string]string{"requests.cpu": "890m"}, 0, ""},
		{"mixed units", map[string]string{"requests.cpu": "2"}, map[string]string{"requests.cpu": "1900m"}, 1, "requests.cpu used=1900m hard=2"},
		{"zero hard limit is not a ratio", map[string]string{"services.loadbalancers": "0"}, map[string]string{"services.loadbalancers": "0"}, 0, ""},
		{"no usage reported", map[string]string{"pods": "10"}, nil, 0, ""},
		{"two resources nearly used", map[string]string{"pods": "10", "services": "5"}, map[string]string{"pods": "10", "services": "5"}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(usedQuota(tc.hard, tc.used))
			var warns []result.Result
			for _, r := range rep.Results {
				if r.ID == cluster.QuotaNearlyUsed {
					warns = append(warns, r)
				}
			}
			if len(warns) != tc.want {
				t.Fatalf("%d KW-CL-031 results, want %d: %v", len(warns), tc.want, warns)
			}
			for _, w := range warns {
				if w.Status != result.Warn || w.Subject.Kind != "ResourceQuota" {
					t.Errorf("result = %s on %s", w.Status, w.Subject)
				}
			}
			if tc.evidence != "" && warns[0].Evidence != tc.evidence {
				t.Errorf("evidence = %q, want %q", warns[0].Evidence, tc.evidence)
			}
		})
	}
}

// TestQuotaNearlyUsedOrderIsDeterministic: the same cluster gives the same
// report every time, the warnings of one quota in resource-name order.
func TestQuotaNearlyUsedOrderIsDeterministic(t *testing.T) {
	hard := map[string]string{"pods": "10", "services": "5", "secrets": "3", "configmaps": "4"}
	var first string
	for i := 0; i < 20; i++ {
		var order []string
		for _, r := range scan(usedQuota(hard, hard)).Results {
			if r.ID == cluster.QuotaNearlyUsed {
				order = append(order, r.Evidence)
			}
		}
		got := strings.Join(order, "|")
		if want := "configmaps used=4 hard=4|pods used=10 hard=10|secrets used=3 hard=3|services used=5 hard=5"; got != want {
			t.Fatalf("run %d: %s, want by resource name: %s", i, got, want)
		}
		if i == 0 {
			first = got
		} else if got != first {
			t.Fatalf("run %d: %s; run 0: %s", i, got, first)
		}
	}
}

func TestEnforceableLevel(t *testing.T) {
	enforce := func(level string) map[string]string {
		if level == "" {
			return nil
		}
		return map[string]string{"pod-security.kubernetes.io/enforce": level}
	}
	privileged := podOpts{sa: "x", mutate: func(p *corev1.Pod) { p.Spec.HostNetwork = true }}
	baselineOnly := podOpts{sa: "x", mutate: func(p *corev1.Pod) { p.Spec.SecurityContext.RunAsNonRoot = nil }}
	tests := []struct {
		name     string
		label    string
		pods     []*inventory.Object
		want     string
		evidence string
	}{
		{"restricted pods under baseline", "baseline", deploymentPods("apps", "a", podOpts{sa: "x"}, "n1"), "WARN", "enforce=baseline; every current pod meets restricted"},
		{"restricted pods under restricted", "restricted", deploymentPods("apps", "a", podOpts{sa: "x"}, "n1"), "PASS", ""},
		{"no label is privileged", "", deploymentPods("apps", "a", baselineOnly, "n1"), "WARN", "enforce=privileged; every current pod meets baseline"},
		{"invalid label is privileged", "strict", deploymentPods("apps", "a", baselineOnly, "n1"), "WARN", "enforce=privileged; every current pod meets baseline"},
		{"the weakest pod decides", "baseline", flatten(deploymentPods("apps", "a", podOpts{sa: "x"}, "n1"), deploymentPods("apps", "b", baselineOnly, "n1")), "PASS", ""},
		{"a privileged pod keeps privileged", "", flatten(deploymentPods("apps", "a", podOpts{sa: "x"}, "n1"), deploymentPods("apps", "b", privileged, "n1")), "PASS", ""},
		{"no pods: restricted breaks nothing", "baseline", nil, "WARN", "enforce=baseline; every current pod meets restricted"},
		{"stricter than the pods is fine", "restricted", deploymentPods("apps", "a", baselineOnly, "n1"), "PASS", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(append([]*inventory.Object{namespace("apps", enforce(tc.label))}, tc.pods...)...)
			if got := verdicts(rep, cluster.EnforceableLevel); got != tc.want+" Namespace/apps" {
				t.Fatalf("KW-CL-040 = %q, want %s", got, tc.want)
			}
			if tc.evidence != "" {
				if r := first(rep, cluster.EnforceableLevel, result.Warn); r == nil || r.Evidence != tc.evidence {
					t.Errorf("evidence = %+v, want %q", r, tc.evidence)
				}
			}
		})
	}
	// Only namespaces the scan has (labels known), and not system ones.
	rep := scan(flatten([]*inventory.Object{namespace("kube-system", nil)}, deploymentPods("apps", "a", podOpts{sa: "x"}, "n1"))...)
	if got := verdicts(rep, cluster.EnforceableLevel); got != "" {
		t.Errorf("KW-CL-040 = %q, want nothing", got)
	}
}

func TestReplicasOneNode(t *testing.T) {
	zoned := []*inventory.Object{node("n1", "z1"), node("n2", "z1"), node("n3", "z2")}
	tests := []struct {
		name string
		objs []*inventory.Object
		want string
	}{
		{"all on one node", deploymentPods("apps", "web", podOpts{sa: "web"}, "n1", "n1", "n1"), "FAIL Deployment/apps/web"},
		{"two nodes", deploymentPods("apps", "web", podOpts{sa: "web"}, "n1", "n2"), "PASS Deployment/apps/web"},
		{"one replica", deploymentPods("apps", "web", podOpts{sa: "web"}, "n1"), ""},
		{"unscheduled pods do not count", deploymentPods("apps", "web", podOpts{sa: "web"}, "n1", ""), ""},
		{"finished pods do not count", flatten(deploymentPods("apps", "web", podOpts{sa: "web"}, "n1"),
			[]*inventory.Object{pod("apps", "web-old", podOpts{owner: "ReplicaSet/web-rs", sa: "web", node: "n1", phase: corev1.PodSucceeded})}), ""},
		{"pending pods count", flatten(deploymentPods("apps", "web", podOpts{sa: "web"}, "n1"),
			[]*inventory.Object{pod("apps", "web-new", podOpts{owner: "ReplicaSet/web-rs", sa: "web", node: "n1", phase: corev1.PodPending})}), "FAIL Deployment/apps/web"},
		{"one zone of several", flatten(zoned, deploymentPods("apps", "web", podOpts{sa: "web"}, "n1", "n2")), "WARN Deployment/apps/web"},
		{"two zones", flatten(zoned, deploymentPods("apps", "web", podOpts{sa: "web"}, "n1", "n3")), "PASS Deployment/apps/web"},
		{"DaemonSets run one pod per node", []*inventory.Object{
			pod("apps", "ds-a", podOpts{owner: "DaemonSet/agent", sa: "agent", node: "n1"}), pod("apps", "ds-b", podOpts{owner: "DaemonSet/agent", sa: "agent", node: "n1"})}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := scan(tc.objs...)
			if got := verdicts(rep, cluster.ReplicasOneNode); got != tc.want {
				t.Fatalf("KW-CL-050 = %q, want %q", got, tc.want)
			}
		})
	}
	r := first(scan(deploymentPods("apps", "web", podOpts{sa: "web"}, "n1", "n1")...), cluster.ReplicasOneNode, result.Fail)
	if r.Evidence != "2 running pods on nodes n1" || !strings.Contains(r.Message.EN, "all 2 replicas of Deployment/web run on node n1") {
		t.Errorf("evidence %q message %q", r.Evidence, r.Message.EN)
	}
}

func TestSensitiveNotIsolated(t *testing.T) {
	cfg := config.Default()
	cfg.SensitiveNamespaces = []string{"payments"}
	dedicated := corev1.Taint{Key: "dedicated", Value: "payments", Effect: corev1.TaintEffectNoSchedule}
	pinned := func(p *corev1.Pod) {
		p.Spec.NodeSelector = map[string]string{"dedicated": "payments"}
		p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "payments", Effect: corev1.TaintEffectNoSchedule}}
	}
	tests := []struct {
		name   string
		node   *inventory.Object
		mutate func(*corev1.Pod)
		onNode string
		want   string
	}{
		{"selector and toleration on a tainted node", node("n1", "", dedicated), pinned, "n1", "PASS"},
		{"required node affinity instead of a selector", node("n1", "", dedicated), func(p *corev1.Pod) {
			pinned(p)
			p.Spec.NodeSelector = nil
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}}
		}, "n1", "PASS"},
		{"not yet scheduled", node("n1", "", dedicated), pinned, "", "PASS"},
		{"on an untainted node", node("n1", ""), pinned, "n1", "FAIL"},
		{"NoExecute taint also dedicates", node("n1", "", corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectNoExecute}), pinned, "n1", "PASS"},
		{"no selector", node("n1", "", dedicated), func(p *corev1.Pod) { pinned(p); p.Spec.NodeSelector = nil }, "n1", "FAIL"},
		{"no toleration", node("n1", "", dedicated), func(p *corev1.Pod) { pinned(p); p.Spec.Tolerations = nil }, "n1", "FAIL"},
		{"built-in tolerations do not dedicate", node("n1", "", dedicated), func(p *corev1.Pod) {
			pinned(p)
			p.Spec.Tolerations = []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
		}, "n1", "FAIL"},
		{"NoExecute toleration alone does not dedicate", node("n1", "", dedicated), func(p *corev1.Pod) {
			pinned(p)
			p.Spec.Tolerations[0].Effect = corev1.TaintEffectNoExecute
		}, "n1", "FAIL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := []*inventory.Object{tc.node, pod("payments", "pay", podOpts{sa: "pay", node: tc.onNode, mutate: tc.mutate}),
				pod("apps", "other", podOpts{sa: "other", node: tc.onNode})}
			rep := evaluate("cluster", cfg, objs...)
			if got := verdicts(rep, cluster.SensitiveNotIsolated); got != tc.want+" Pod/payments/pay" {
				t.Errorf("KW-CL-051 = %q, want %s on the payments pod only", got, tc.want)
			}
		})
	}
	// Without sensitive namespaces configured, nothing is judged.
	if got := verdicts(scan(pod("payments", "pay", podOpts{sa: "pay"})), cluster.SensitiveNotIsolated); got != "" {
		t.Errorf("KW-CL-051 without configuration = %q", got)
	}
}

func TestWorkloadGrouping(t *testing.T) {
	// Pods group under their root controller: Deployment through its
	// ReplicaSet, CronJob through its Job, else their direct owner or themselves.
	objs := flatten(
		deploymentPods("apps", "web", podOpts{sa: "s", labels: map[string]string{"a": "b"}}, "n1"),
		[]*inventory.Object{
			job("apps", "nightly-1", "nightly"), pod("apps", "nightly-1-x", podOpts{owner: "Job/nightly-1", sa: "s"}),
			pod("apps", "db-0", podOpts{owner: "StatefulSet/db", sa: "s"}),
			pod("apps", "orphan-rs-pod", podOpts{owner: "ReplicaSet/gone", sa: "s"}),
			pod("apps", "bare", podOpts{sa: "s"}),
		},
	)
	got := verdicts(scan(objs...), cluster.NoIngressPolicy)
	want := "FAIL CronJob/apps/nightly; FAIL Deployment/apps/web; FAIL Pod/apps/bare; FAIL ReplicaSet/apps/gone; FAIL StatefulSet/apps/db"
	if got != want {
		t.Errorf("workloads = %q, want %q", got, want)
	}
	r := first(scan(objs...), cluster.SharedServiceAccount, result.Fail)
	if r == nil || !reflect.DeepEqual(strings.Split(r.Evidence, ", "), []string{"CronJob/nightly", "Deployment/web", "Pod/bare", "ReplicaSet/gone", "StatefulSet/db"}) {
		t.Errorf("shared account evidence = %+v", r)
	}
}

func TestOpenToNamespaces(t *testing.T) {
	web := map[string]string{"app": "web"}
	sel := metav1.LabelSelector{MatchLabels: web}
	allow := func(from ...networkingv1.NetworkPolicyPeer) *inventory.Object {
		return live("networking.k8s.io", "NetworkPolicy", "networkpolicies", &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "web-in", Namespace: "apps"},
			Spec: networkingv1.NetworkPolicySpec{PodSelector: sel, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
				Ingress: []networkingv1.NetworkPolicyIngressRule{{From: from}}}})
	}
	nsSel := func(labels map[string]string) networkingv1.NetworkPolicyPeer {
		return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{MatchLabels: labels}}
	}
	namespaces := []*inventory.Object{
		namespace("apps", map[string]string{"kubernetes.io/metadata.name": "apps", "tier": "front"}),
		namespace("ingress", map[string]string{"kubernetes.io/metadata.name": "ingress", "tier": "front"}),
		namespace("batch", map[string]string{"kubernetes.io/metadata.name": "batch"}),
	}
	sensitive := config.Default()
	sensitive.SensitiveNamespaces = []string{"apps"}
	tests := []struct {
		name     string
		policy   *inventory.Object
		cfg      *config.Config
		want     string // status, "" when not reported
		evidence string
	}{
		{"no ingress policy: KW-CL-020's finding, not this one", nil, nil, "", ""},
		{"own namespace only", allow(networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "lb"}}}), nil, "PASS", "ingress only from its own namespace"},
		{"a rule without from", allow(), nil, "FAIL", "web-in ingress[0] has no from"},
		{"namespaceSelector {}", allow(nsSel(nil)), nil, "FAIL", "web-in ingress[0] selects every namespace (namespaceSelector: {})"},
		{"namespaceSelector {} narrowed by a podSelector tenants can set", allow(networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{},
			PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "client"}}}), nil, "FAIL", "selects every namespace"},
		{"ipBlock 0.0.0.0/0", allow(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}), nil, "FAIL", "allows ipBlock 0.0.0.0/0"},
		{"ipBlock with exceptions", allow(networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8"}}}), nil, "PASS", "ingress only from its own namespace"},
		{"named namespaces", allow(nsSel(map[string]string{"tier": "front"})), nil, "PASS", "ingress from its own namespace and ingress"},
		{"named namespaces into a sensitive namespace", allow(nsSel(map[string]string{"tier": "front"})), sensitive, "WARN", "from namespaces ingress"},
		{"a selector matching no namespace", allow(nsSel(map[string]string{"tier": "none"})), sensitive, "PASS", "ingress only from its own namespace"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := flatten(namespaces, deploymentPods("apps", "web", podOpts{sa: "web", labels: web}, "n1"))
			if tc.policy != nil {
				objs = append(objs, tc.policy)
			}
			rep := evaluate("cluster", tc.cfg, objs...)
			got := verdicts(rep, cluster.OpenToNamespaces)
			if tc.want == "" {
				if got != "" {
					t.Errorf("KW-CL-022 = %q, want nothing", got)
				}
				return
			}
			if got != tc.want+" Deployment/apps/web" {
				t.Fatalf("KW-CL-022 = %q, want %s", got, tc.want)
			}
			r := first(rep, cluster.OpenToNamespaces, result.Pass, result.Warn, result.Fail)
			if !strings.Contains(r.Evidence, tc.evidence) {
				t.Errorf("evidence %q, want %q", r.Evidence, tc.evidence)
			}
			if r.Status != result.Pass && (r.Message.EN == "" || r.Message.ZH == "") {
				t.Errorf("message %+v", r.Message)
			}
		})
	}
}

// TestLongLivedTokenManifests: the same check on manifests and at
// admission, where the Secret's type is known.
func TestLongLivedTokenManifests(t *testing.T) {
	secret := func(typ corev1.SecretType, ann map[string]string) *inventory.Object {
		return checktest.Object("", "Secret", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "apps", Annotations: ann}, Type: typ})
	}
	sa := map[string]string{corev1.ServiceAccountNameKey: "deployer"}
	for _, tc := range []struct {
		name, want, path string
		obj              *inventory.Object
	}{
		{"token Secret", "FAIL Secret/apps/s", "metadata.annotations[kubernetes.io/service-account.name]", secret(corev1.SecretTypeServiceAccountToken, sa)},
		{"token type without the annotation", "FAIL Secret/apps/s", "type", secret(corev1.SecretTypeServiceAccountToken, nil)},
		{"opaque Secret", "PASS Secret/apps/s", "", secret(corev1.SecretTypeOpaque, nil)},
		{"TLS Secret", "PASS Secret/apps/s", "", secret(corev1.SecretTypeTLS, map[string]string{"a": "b"})},
	} {
		for _, mode := range []string{"manifest", "admission"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				rep := evaluate(mode, nil, tc.obj)
				if got := verdicts(rep, cluster.LongLivedToken); got != tc.want {
					t.Fatalf("KW-CL-012 = %q, want %q", got, tc.want)
				}
				if r := first(rep, cluster.LongLivedToken, result.Fail); r != nil && r.Location.Path != tc.path {
					t.Errorf("path = %q, want %q", r.Location.Path, tc.path)
				}
			})
		}
	}
}
