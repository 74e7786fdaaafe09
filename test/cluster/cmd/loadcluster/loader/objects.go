package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ptr[T any](v T) *T { return &v }

func h(s string) uint32 {
	f := fnv.New32a()
	_, _ = f.Write([]byte(s))
	return f.Sum32()
}

// hex64 is a stable 64-hex-digit id (container ids, image digests).
func hex64(seed string) string {
	s := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(s[:])
}

const hashAlphabet = "bcdfghjklmnpqrstvwxz2456789"

// suffix is a stable name suffix in the alphabet the controllers use.
func suffix(seed string, n int) string {
	s := sha256.Sum256([]byte(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = hashAlphabet[int(s[i])%len(hashAlphabet)]
	}
	return string(b)
}

var (
	teams    = []string{"payments", "checkout", "catalog", "search", "identity", "ledger", "risk", "notify", "billing", "growth", "data", "mobile", "partner", "support", "fraud", "pricing", "orders", "shipping", "loyalty", "media"}
	envs     = []string{"prod", "staging", "dev", "perf"}
	nouns    = []string{"account", "basket", "card", "cart", "coupon", "invoice", "ledger", "offer", "order", "parcel", "profile", "quote", "refund", "report", "review", "session", "stock", "ticket", "token", "transfer", "user", "voucher", "wallet", "webhook"}
	roles    = []string{"api", "worker", "web", "gateway", "cache", "consumer", "sync", "exporter"}
	registry = "registry.bank.internal"
	epoch    = metav1.NewTime(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
)

func at(d time.Duration) metav1.Time { return metav1.NewTime(epoch.Add(d)) }

// Pod Security levels of the namespaces, by namespace index.
const (
	levelRestricted = iota
	levelBaseline
	levelPrivileged
	levelNone
)

func nsLevel(i int) int { return i % 4 }

func nsName(i int) string {
	return fmt.Sprintf("%s-%s-%02d", teams[i%len(teams)], envs[(i/len(teams))%len(envs)], i)
}

func appName(i int) string {
	return fmt.Sprintf("%s-%s-%04d", nouns[i%len(nouns)], roles[(i/len(nouns))%len(roles)], i)
}

func nodeName(i int) string { return fmt.Sprintf("worker-%03d", i) }

func nodeIP(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250+4) }

func podIP(seq int) string {
	return fmt.Sprintf("10.%d.%d.%d", 128+seq/65536, (seq/256)%256, seq%256)
}

func mustQ(s string) resource.Quantity { return resource.MustParse(s) }

func namespace(i int) *corev1.Namespace {
	name := nsName(i)
	l := map[string]string{"team": teams[i%len(teams)], "env": envs[(i/len(teams))%len(envs)], "cost-center": strconv.Itoa(4000 + i%37)}
	switch nsLevel(i) {
	case levelRestricted:
		l["pod-security.kubernetes.io/enforce"] = "restricted"
		l["pod-security.kubernetes.io/enforce-version"] = "latest"
	case levelBaseline:
		l["pod-security.kubernetes.io/enforce"] = "baseline"
		l["pod-security.kubernetes.io/warn"] = "restricted"
	case levelPrivileged:
		l["pod-security.kubernetes.io/enforce"] = "privileged"
	}
	if i%3 == 0 {
		l["pod-security.kubernetes.io/audit"] = "restricted"
	}
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l,
		Annotations: map[string]string{"owner": teams[i%len(teams)] + "@bank.internal", "argocd.argoproj.io/managed-by": "platform-gitops"}}}
}

var nodeImages = func() []corev1.ContainerImage {
	var out []corev1.ContainerImage
	for i := 0; i < 40; i++ {
		repo := fmt.Sprintf("%s/%s/%s", registry, teams[i%len(teams)], nouns[i%len(nouns)])
		out = append(out, corev1.ContainerImage{Names: []string{repo + "@sha256:" + hex64(repo), repo + ":1." + strconv.Itoa(i%9) + ".0"},
			SizeBytes: int64(20_000_000 + i*3_700_000)})
	}
	return out
}()

func node(i int) *corev1.Node {
	name := nodeName(i)
	zone := "eu-west-1" + string(rune('a'+i%3))
	l := map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
		"beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64",
		"node.kubernetes.io/instance-type": "m6i.4xlarge", "topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": "eu-west-1"}
	var taints []corev1.Taint
	if i < 3 {
		l["node-role.kubernetes.io/control-plane"] = ""
		taints = append(taints, corev1.Taint{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule})
	} else {
		l["node-role.kubernetes.io/worker"] = ""
	}
	capacity := corev1.ResourceList{corev1.ResourceCPU: mustQ("16"), corev1.ResourceMemory: mustQ("64Gi"), corev1.ResourcePods: mustQ("500"),
		corev1.ResourceEphemeralStorage: mustQ("200Gi"), "hugepages-2Mi": mustQ("0")}
	alloc := corev1.ResourceList{corev1.ResourceCPU: mustQ("15800m"), corev1.ResourceMemory: mustQ("62Gi"), corev1.ResourcePods: mustQ("500"),
		corev1.ResourceEphemeralStorage: mustQ("180Gi"), "hugepages-2Mi": mustQ("0")}
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: "kubelet reports " + reason,
			LastHeartbeatTime: at(72 * time.Hour), LastTransitionTime: at(time.Duration(i) * time.Minute)}
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{
			"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
		Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", i%256), PodCIDRs: []string{fmt.Sprintf("10.244.%d.0/24", i%256)},
			ProviderID: "aws:///" + zone + "/i-0" + hex64(name)[:16], Taints: taints},
		Status: corev1.NodeStatus{Capacity: capacity, Allocatable: alloc, Phase: corev1.NodeRunning,
			Conditions: []corev1.NodeCondition{cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory"),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure"),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID"),
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady")},
			Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: nodeIP(i)}, {Type: corev1.NodeHostName, Address: name}},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			NodeInfo: corev1.NodeSystemInfo{MachineID: hex64("m" + name)[:32], SystemUUID: hex64("u" + name)[:32], BootID: hex64("b" + name)[:32],
				KernelVersion: "6.8.0-1021-aws", OSImage: "Ubuntu 24.04.2 LTS", ContainerRuntimeVersion: "containerd://2.0.4",
				KubeletVersion: "v1.37.2", OperatingSystem: "linux", Architecture: "amd64"},
			Images: nodeImages,
		},
	}
}

func resourceQuota() *corev1.ResourceQuota {
	hard := corev1.ResourceList{"pods": mustQ("2000"), "services": mustQ("500"), "persistentvolumeclaims": mustQ("200"),
		"requests.cpu": mustQ("2000"), "requests.memory": mustQ("8Ti"), "limits.cpu": mustQ("4000"), "limits.memory": mustQ("16Ti")}
	return &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "compute"}, Spec: corev1.ResourceQuotaSpec{Hard: hard}}
}

// quotaStatus is what the quota controller would write for a namespace
// with pods Pods (resources as the LimitRange defaults and the pod specs
// request, roughly) and services Services.
func quotaStatus(q *corev1.ResourceQuota, pods, services int) {
	milli := func(m int64) resource.Quantity { return *resource.NewMilliQuantity(m, resource.DecimalSI) }
	mi := func(n int64) resource.Quantity { return *resource.NewQuantity(n<<20, resource.BinarySI) }
	p := int64(pods)
	used := corev1.ResourceList{"pods": *resource.NewQuantity(p, resource.DecimalSI), "services": *resource.NewQuantity(int64(services), resource.DecimalSI),
		"persistentvolumeclaims": *resource.NewQuantity(0, resource.DecimalSI),
		"requests.cpu":           milli(p * 280), "requests.memory": mi(p * 300), "limits.cpu": milli(p * 1200), "limits.memory": mi(p * 700)}
	q.Status = corev1.ResourceQuotaStatus{Hard: q.Spec.Hard.DeepCopy(), Used: used}
}

func limitRange() *corev1.LimitRange {
	return &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "defaults"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
		Type:           corev1.LimitTypeContainer,
		Default:        corev1.ResourceList{corev1.ResourceCPU: mustQ("500m"), corev1.ResourceMemory: mustQ("512Mi")},
		DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: mustQ("100m"), corev1.ResourceMemory: mustQ("128Mi")},
		Max:            corev1.ResourceList{corev1.ResourceCPU: mustQ("8"), corev1.ResourceMemory: mustQ("32Gi")},
	}}}}
}

func networkPolicies(ns int) []*networkingv1.NetworkPolicy {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	var out []*networkingv1.NetworkPolicy
	if ns%10 != 9 { // every tenth namespace forgot its default deny
		out = append(out, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default-deny-all"},
			Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}}})
	} else {
		out = append(out, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "allow-all-ingress"},
			Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}, PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}})
	}
	out = append(out, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "allow-dns"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
					PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &udp, Port: ptr(intstr.FromInt32(53))}, {Protocol: &tcp, Port: ptr(intstr.FromInt32(53))}},
			}}}})
	return out
}

func appNetworkPolicy(app string, i int) *networkingv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	np := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: app + "-ingress", Labels: map[string]string{"app": app}},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "frontend"}}},
					{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "ingress-nginx"}}},
				},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: ptr(intstr.FromInt32(8080))}},
			}}}}
	if i%7 == 0 { // egress to the whole internet
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0"}}}}}
	}
	return np
}

func serviceAccount(name string, i int) *corev1.ServiceAccount {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/managed-by": "Helm"}}}
	if i%3 != 0 {
		sa.AutomountServiceAccountToken = ptr(false)
	}
	if i%11 == 0 {
		sa.Annotations = map[string]string{"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/" + name}
	}
	return sa
}

func role(k int) *rbacv1.Role {
	r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("role-%s-%02d", roles[k%len(roles)], k)}}
	switch k % 10 {
	case 0: // namespace admin: everything
		r.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
	case 1:
		r.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods/exec", "pods/attach", "pods/portforward"}, Verbs: []string{"create", "get"}}}
	case 2:
		r.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}}}
	case 3:
		r.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "replicasets"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "delete"}}}
	default:
		r.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "configmaps", "services", "endpoints"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{fmt.Sprintf("leader-%d", k)}, Verbs: []string{"get", "update"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "create", "update"}}}
	}
	return r
}

func roleBinding(ns string, k int, apps []string) *rbacv1.RoleBinding {
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("binding-%02d", k)},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role(k % 20).Name}}
	sa := "default"
	if len(apps) > 0 {
		sa = apps[k%len(apps)]
	}
	switch {
	case k%13 == 0:
		rb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "admin"}
		rb.Subjects = []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "oidc:" + ns + "-admins"}}
	case k%17 == 0:
		rb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"}
		rb.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}}
	case k%5 == 0:
		rb.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("dev%03d@bank.internal", k)}}
	default:
		rb.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: ns}}
	}
	return rb
}

func clusterRole(i int) *rbacv1.ClusterRole {
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("platform:%s-%03d", nouns[i%len(nouns)], i)}}
	switch i % 25 {
	case 0:
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, {NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}}
	case 1:
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"clusterroles", "roles"}, Verbs: []string{"escalate", "bind"}}}
	case 2:
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"users", "groups", "serviceaccounts"}, Verbs: []string{"impersonate"}}}
	case 3:
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes/proxy"}, Verbs: []string{"get", "create"}}}
	case 4:
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get", "list", "watch"}}}
	case 5:
		cr.Labels = map[string]string{"rbac.authorization.k8s.io/aggregate-to-view": "true"}
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"monitoring.coreos.com"}, Resources: []string{"servicemonitors", "podmonitors"}, Verbs: []string{"get", "list", "watch"}}}
	default:
		cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"", "apps", "batch"}, Resources: []string{"pods", "deployments", "jobs", "cronjobs", "events"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"metrics.k8s.io"}, Resources: []string{"pods", "nodes"}, Verbs: []string{"get", "list"}}}
	}
	return cr
}

// defaultClusterRoles are the user-facing roles RBAC bootstraps; the
// harness' insecure profile (AlwaysAllow) does not create them, so the
// loader does, with the bootstrap labels and roughly their rules.
func defaultClusterRoles() []*rbacv1.ClusterRole {
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/bootstrapping": "rbac-defaults"},
			Annotations: map[string]string{"rbac.authorization.kubernetes.io/autoupdate": "true"}}
	}
	read := []string{"get", "list", "watch"}
	write := []string{"create", "delete", "deletecollection", "patch", "update"}
	workloads := rbacv1.PolicyRule{APIGroups: []string{"", "apps", "batch", "autoscaling", "networking.k8s.io", "policy"},
		Resources: []string{"pods", "pods/log", "services", "endpoints", "configmaps", "persistentvolumeclaims", "replicationcontrollers",
			"deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "horizontalpodautoscalers", "ingresses", "networkpolicies", "poddisruptionbudgets"}}
	view, edit := workloads, workloads
	view.Verbs = read
	edit.Verbs = append(append([]string{}, read...), write...)
	return []*rbacv1.ClusterRole{
		{ObjectMeta: meta("cluster-admin"), Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}, {NonResourceURLs: []string{"*"}, Verbs: []string{"*"}}}},
		{ObjectMeta: meta("admin"), Rules: []rbacv1.PolicyRule{edit, {APIGroups: []string{""}, Resources: []string{"secrets", "serviceaccounts", "pods/exec", "pods/attach", "pods/portforward"}, Verbs: edit.Verbs},
			{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles", "rolebindings"}, Verbs: edit.Verbs}}},
		{ObjectMeta: meta("edit"), Rules: []rbacv1.PolicyRule{edit, {APIGroups: []string{""}, Resources: []string{"secrets", "pods/exec"}, Verbs: edit.Verbs}}},
		{ObjectMeta: meta("view"), Rules: []rbacv1.PolicyRule{view}},
	}
}

func clusterRoleBinding(i int, nss, roles int) *rbacv1.ClusterRoleBinding {
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("platform:%s-%03d", nouns[i%len(nouns)], i)},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole(i % roles).Name}}
	ns := nsName(i % nss)
	switch i % 50 {
	case 0:
		crb.RoleRef.Name = "cluster-admin"
		crb.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}}
	case 1:
		crb.RoleRef.Name = "view"
		crb.Subjects = []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:authenticated"}}
	default:
		if i%2 == 0 {
			crb.Subjects = []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "oidc:platform-" + nouns[i%len(nouns)]}}
		} else {
			crb.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: appName(i), Namespace: ns}}
		}
	}
	return crb
}

// blob is deterministic filler for ConfigMap and Secret payloads.
var blob = func() string {
	var b strings.Builder
	for i := 0; b.Len() < 64<<10; i++ {
		b.WriteString(hex64(strconv.Itoa(i)))
	}
	return b.String()
}()

func filler(seed string, n int) string {
	off := int(h(seed)) % (len(blob) - n)
	return blob[off : off+n]
}

const caPEM = "-----BEGIN CERTIFICATE-----\n"

func rootCA() *corev1.ConfigMap {
	var b strings.Builder
	b.WriteString(caPEM)
	for i := 0; i < 17; i++ {
		b.WriteString(filler("ca"+strconv.Itoa(i), 64))
		b.WriteByte('\n')
	}
	b.WriteString("-----END CERTIFICATE-----\n")
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "kube-root-ca.crt", Annotations: map[string]string{"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}},
		Data: map[string]string{"ca.crt": b.String()}}
}

func configMap(app string, k int) *corev1.ConfigMap {
	name := fmt.Sprintf("%s-config-%d", app, k)
	size := 300 + int(h(name)%3500)
	var y strings.Builder
	fmt.Fprintf(&y, "server:\n  port: 8080\n  shutdownTimeout: 30s\nlogging:\n  level: info\n  format: json\ndatabase:\n  host: %s-db.internal\n  pool: %d\nfeatures:\n", app, 5+k)
	for y.Len() < size {
		fmt.Fprintf(&y, "  flag_%s: %t\n", filler(name+strconv.Itoa(y.Len()), 12), y.Len()%3 == 0)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": app, "app.kubernetes.io/managed-by": "Helm"},
		Annotations: map[string]string{"meta.helm.sh/release-name": app, "meta.helm.sh/release-namespace": "x"}},
		Data: map[string]string{"application.yaml": y.String(), "JAVA_OPTS": "-XX:MaxRAMPercentage=75 -Dfile.encoding=UTF-8"}}
	if k%4 == 3 {
		cm.Data["DATABASE_URL"] = "postgres://app:Winter2026!@" + app + "-db.internal:5432/app" // a credential in a ConfigMap
	}
	return cm
}

func secrets(app string, i int) []*corev1.Secret {
	env := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: app + "-env", Labels: map[string]string{"app": app}}, Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{"DB_PASSWORD": []byte(filler(app+"p", 32)), "API_KEY": []byte(filler(app+"k", 48)), "JWT_SECRET": []byte(filler(app+"j", 64))}}
	if i%4 == 0 {
		env.Type = corev1.SecretTypeTLS
		env.Name = app + "-tls"
		env.Data = map[string][]byte{corev1.TLSCertKey: []byte(caPEM + filler(app+"c", 1400)), corev1.TLSPrivateKeyKey: []byte("-----BEGIN PRIVATE KEY-----\n" + filler(app+"t", 1600))}
	}
	rev := 1 + i%9
	release := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sh.helm.release.v1.%s.v%d", app, rev),
		Labels: map[string]string{"name": app, "owner": "helm", "status": "deployed", "version": strconv.Itoa(rev)}},
		Type: "helm.sh/release.v1", Data: map[string][]byte{"release": []byte(filler(app+"r", 2000+int(h(app)%6000)))}}
	return []*corev1.Secret{env, release}
}

func service(app string, clusterIP bool) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: app, Labels: map[string]string{"app": app}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": app},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}}}}
	if !clusterIP {
		s.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return s
}

// Pod spec variants: 0-4 insecure in different ways, the rest hardened.
const (
	variantPrivileged  = iota // privileged, hostPID: breaks baseline
	variantRoot               // root, :latest, no seccomp: breaks restricted only
	variantHostPath           // docker.sock, hostNetwork: breaks baseline
	variantNoLimits           // no resources, NET_ADMIN: breaks baseline
	variantPlainSecret        // a password in env, token automounted: restricted-compliant
	variantHardened
)

// variant picks an app's pod spec variant that its namespace's Pod Security
// enforcement admits (the API server would reject the Pods otherwise).
func variant(app string, level int) int {
	v := int(h(app) % 10)
	if v > variantHardened {
		v = variantHardened
	}
	switch {
	case level == levelRestricted && v < variantPlainSecret:
		return variantHardened
	case level == levelBaseline && v != variantRoot && v < variantPlainSecret:
		return variantRoot
	}
	return v
}

func podSpec(app, sa, image string, v int, withSidecar bool) corev1.PodSpec {
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: mustQ("250m"), corev1.ResourceMemory: mustQ("256Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: mustQ("1"), corev1.ResourceMemory: mustQ("512Mi")},
	}
	csc := &corev1.SecurityContext{AllowPrivilegeEscalation: ptr(false), ReadOnlyRootFilesystem: ptr(true), RunAsNonRoot: ptr(true),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
	app1 := corev1.Container{
		Name: "app", Image: image, ImagePullPolicy: corev1.PullIfNotPresent,
		Args:  []string{"--config=/etc/app/application.yaml", "--port=8080"},
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}, {Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}},
		Env: []corev1.EnvVar{
			{Name: "APP_NAME", Value: app}, {Name: "JAVA_OPTS", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: app + "-config-0"}, Key: "JAVA_OPTS"}}},
			{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: app + "-env"}, Key: "DB_PASSWORD", Optional: ptr(true)}}},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
			{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "status.podIP"}}},
			{Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: "http://otel-collector.observability:4317"},
		},
		EnvFrom:                []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: app + "-config-1"}, Optional: ptr(true)}}},
		Resources:              res,
		VolumeMounts:           []corev1.VolumeMount{{Name: "config", MountPath: "/etc/app", ReadOnly: true}, {Name: "tmp", MountPath: "/tmp"}, {Name: "secrets", MountPath: "/var/run/secrets/app", ReadOnly: true}},
		LivenessProbe:          &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}}, InitialDelaySeconds: 10, PeriodSeconds: 10, TimeoutSeconds: 2, FailureThreshold: 3, SuccessThreshold: 1},
		ReadinessProbe:         &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}}, PeriodSeconds: 5, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 1},
		SecurityContext:        csc,
		TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: corev1.TerminationMessageReadFile,
	}
	spec := corev1.PodSpec{
		ServiceAccountName: sa, AutomountServiceAccountToken: ptr(false),
		SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr(true), RunAsUser: ptr(int64(10001)), RunAsGroup: ptr(int64(10001)), FSGroup: ptr(int64(10001)),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{app1},
		Volumes: []corev1.Volume{
			{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: app + "-config-0"}, DefaultMode: ptr(int32(0o444))}}},
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(mustQ("256Mi"))}}},
			{Name: "secrets", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: app + "-env", DefaultMode: ptr(int32(0o400)), Optional: ptr(true)}}},
		},
		RestartPolicy: corev1.RestartPolicyAlways, DNSPolicy: corev1.DNSClusterFirst, SchedulerName: corev1.DefaultSchedulerName,
		TerminationGracePeriodSeconds: ptr(int64(30)),
		Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
			{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))}},
		Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}}}}},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}}},
	}
	if withSidecar {
		spec.InitContainers = []corev1.Container{{Name: "migrate", Image: image, Command: []string{"/app/migrate", "--up"}, Resources: res, SecurityContext: csc,
			ImagePullPolicy: corev1.PullIfNotPresent, TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: corev1.TerminationMessageReadFile}}
		spec.Containers = append(spec.Containers, corev1.Container{Name: "envoy", Image: registry + "/mesh/envoy:v1.33.2@sha256:" + hex64("envoy"),
			Args: []string{"--config-path", "/etc/envoy/envoy.yaml"}, Ports: []corev1.ContainerPort{{Name: "envoy-admin", ContainerPort: 15000, Protocol: corev1.ProtocolTCP}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: mustQ("50m"), corev1.ResourceMemory: mustQ("64Mi")},
				Limits: corev1.ResourceList{corev1.ResourceCPU: mustQ("500m"), corev1.ResourceMemory: mustQ("256Mi")}},
			SecurityContext: csc, ImagePullPolicy: corev1.PullIfNotPresent, TerminationMessagePath: "/dev/termination-log", TerminationMessagePolicy: corev1.TerminationMessageReadFile})
	}
	c := &spec.Containers[0]
	switch v {
	case variantPrivileged:
		spec.HostPID = true
		c.SecurityContext = &corev1.SecurityContext{Privileged: ptr(true), AllowPrivilegeEscalation: ptr(true)}
		spec.SecurityContext = &corev1.PodSecurityContext{}
	case variantRoot:
		c.Image = strings.SplitN(image, ":", 2)[0] + ":latest"
		c.ImagePullPolicy = corev1.PullAlways
		c.SecurityContext = &corev1.SecurityContext{RunAsUser: ptr(int64(0))}
		spec.SecurityContext = &corev1.PodSecurityContext{}
		spec.AutomountServiceAccountToken = nil
	case variantHostPath:
		spec.HostNetwork = true
		spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "docker", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock", Type: ptr(corev1.HostPathSocket)}}})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "docker", MountPath: "/var/run/docker.sock"})
	case variantNoLimits:
		c.Resources = corev1.ResourceRequirements{}
		c.SecurityContext = &corev1.SecurityContext{Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN", "NET_RAW"}}}
		c.LivenessProbe, c.ReadinessProbe = nil, nil
	case variantPlainSecret:
		c.Env = append(c.Env, corev1.EnvVar{Name: "ADMIN_PASSWORD", Value: "S3cr3t-" + filler(app, 12)})
		spec.AutomountServiceAccountToken = ptr(true)
	}
	return spec
}

func imageFor(app string, rev int) string {
	repo := fmt.Sprintf("%s/%s/%s", registry, app[:strings.IndexByte(app, '-')], app)
	tag := fmt.Sprintf("1.%d.%d", int(h(app)%20), rev)
	return repo + ":" + tag + "@sha256:" + hex64(repo+tag)
}

func controllerRef(kind, apiVersion, name string, uid string) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID(uid), Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}
}

func appLabels(app string) map[string]string {
	return map[string]string{"app": app, "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": app[:strings.IndexByte(app, '-')]}
}

func deployment(app, sa string, replicas int32, v int, sidecar bool, rev int) *appsv1.Deployment {
	l := appLabels(app)
	tl := map[string]string{"app": app, "app.kubernetes.io/name": app, "version": fmt.Sprintf("v%d", rev)}
	if h(app)%4 == 0 {
		tl["role"] = "frontend"
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: app, Labels: l, Annotations: map[string]string{"deployment.kubernetes.io/revision": strconv.Itoa(rev),
			"meta.helm.sh/release-name": app}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr(replicas), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			RevisionHistoryLimit: ptr(int32(10)), ProgressDeadlineSeconds: ptr(int32(600)),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType, RollingUpdate: &appsv1.RollingUpdateDeployment{
				MaxUnavailable: ptr(intstr.FromString("25%")), MaxSurge: ptr(intstr.FromString("25%"))}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: tl,
				Annotations: map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "kubectl.kubernetes.io/restartedAt": "2026-02-27T10:00:00Z"}},
				Spec: podSpec(app, sa, imageFor(app, rev), v, sidecar)}},
	}
}

// replicaSet is revision rev of d; only the current one has replicas.
func replicaSet(d *appsv1.Deployment, rev int, current bool, sa string, v int, sidecar bool) *appsv1.ReplicaSet {
	hash := suffix(d.Name+strconv.Itoa(rev), 10)
	tmpl := *d.Spec.Template.DeepCopy()
	if !current {
		tmpl.Spec = podSpec(d.Name, sa, imageFor(d.Name, rev), v, sidecar)
		tmpl.Labels["version"] = fmt.Sprintf("v%d", rev)
	}
	tmpl.Labels["pod-template-hash"] = hash
	replicas := int32(0)
	if current {
		replicas = *d.Spec.Replicas
	}
	sel := map[string]string{"app": d.Name, "pod-template-hash": hash}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-" + hash, Labels: tmpl.Labels,
			Annotations: map[string]string{"deployment.kubernetes.io/revision": strconv.Itoa(rev),
				"deployment.kubernetes.io/desired-replicas": strconv.Itoa(int(*d.Spec.Replicas)),
				"deployment.kubernetes.io/max-replicas":     strconv.Itoa(int(*d.Spec.Replicas) + 1)},
			OwnerReferences: controllerRef("Deployment", "apps/v1", d.Name, string(d.UID))},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: sel}, Template: tmpl},
	}
}

func podFrom(name string, tmpl *corev1.PodTemplateSpec, ownerKind, ownerAPI, owner, ownerUID, node string) *corev1.Pod {
	spec := tmpl.Spec
	spec.NodeName = node
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: tmpl.Labels, Annotations: tmpl.Annotations,
		OwnerReferences: controllerRef(ownerKind, ownerAPI, owner, ownerUID)}, Spec: spec}
}

// runningStatus is what a kubelet reports for a started pod.
func runningStatus(p *corev1.Pod, ip, hostIP string, seq int) corev1.PodStatus {
	st := p.Status
	start := at(time.Duration(seq%86400) * time.Second)
	ready := at(time.Duration(seq%86400)*time.Second + 20*time.Second)
	st.Phase = corev1.PodRunning
	st.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: start},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: start},
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: ready},
		{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: ready},
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: start},
	}
	st.HostIP, st.HostIPs = hostIP, []corev1.HostIP{{IP: hostIP}}
	st.PodIP, st.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	st.StartTime = &start
	st.InitContainerStatuses, st.ContainerStatuses = nil, nil
	for _, c := range p.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image),
			ContainerID: "containerd://" + hex64(p.Name+c.Name), Ready: true, Started: ptr(false),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: start, FinishedAt: start,
				ContainerID: "containerd://" + hex64(p.Name+c.Name)}}})
	}
	for k, c := range p.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), ContainerID: "containerd://" + hex64(p.Name+c.Name),
			Ready: true, Started: ptr(true), RestartCount: int32((seq + k) % 3),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: start}}}
		if cs.RestartCount > 0 {
			cs.LastTerminationState = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled",
				StartedAt: at(-time.Hour), FinishedAt: start, ContainerID: "containerd://" + hex64(p.Name+c.Name+"old")}}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	return st
}

// succeededStatus is what a kubelet reports for a finished Job pod.
func succeededStatus(p *corev1.Pod, ip, hostIP string, seq int) corev1.PodStatus {
	st := runningStatus(p, ip, hostIP, seq)
	st.Phase = corev1.PodSucceeded
	for i := range st.Conditions {
		if st.Conditions[i].Type == corev1.PodReady || st.Conditions[i].Type == corev1.ContainersReady || st.Conditions[i].Type == corev1.PodReadyToStartContainers {
			st.Conditions[i].Status, st.Conditions[i].Reason = corev1.ConditionFalse, "PodCompleted"
		}
	}
	for i := range st.ContainerStatuses {
		c := &st.ContainerStatuses[i]
		c.Ready, c.Started, c.RestartCount, c.LastTerminationState = false, ptr(false), 0, corev1.ContainerState{}
		c.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed",
			StartedAt: *st.StartTime, FinishedAt: *st.StartTime, ContainerID: c.ContainerID}}
	}
	return st
}

func imageID(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		return image
	}
	return strings.SplitN(image, ":", 2)[0] + "@sha256:" + hex64(image)
}

func statefulSet(app, sa string, replicas int32, v int) *appsv1.StatefulSet {
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app, "app.kubernetes.io/name": app}},
		Spec: podSpec(app, sa, imageFor(app, 1), v, false)}
	tmpl.Spec.Containers[0].VolumeMounts = append(tmpl.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "data", MountPath: "/var/lib/data"})
	return &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: app, Labels: appLabels(app)},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr(replicas), ServiceName: app, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
			Template: tmpl, PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: ptr("gp3"),
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: mustQ("20Gi")}}}}}}}
}

// statefulPod is ordinal k of s, with the claim the controller would create.
func statefulPod(s *appsv1.StatefulSet, k int, node string) *corev1.Pod {
	name := fmt.Sprintf("%s-%d", s.Name, k)
	tmpl := s.Spec.Template.DeepCopy()
	tmpl.Labels["statefulset.kubernetes.io/pod-name"] = name
	tmpl.Labels["controller-revision-hash"] = s.Name + "-" + suffix(s.Name, 10)
	tmpl.Labels["apps.kubernetes.io/pod-index"] = strconv.Itoa(k)
	tmpl.Spec.Hostname, tmpl.Spec.Subdomain = name, s.Name
	tmpl.Spec.Volumes = append(tmpl.Spec.Volumes, corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-" + name}}})
	return podFrom(name, tmpl, "StatefulSet", "apps/v1", s.Name, string(s.UID), node)
}

var daemonNames = []string{"node-exporter", "fluent-bit", "calico-node", "kube-proxy", "csi-ebs-node", "falco", "datadog-agent", "istio-cni", "nvidia-device-plugin", "node-problem-detector"}

func daemonSet(i int) *appsv1.DaemonSet {
	name := daemonNames[i%len(daemonNames)]
	if i >= len(daemonNames) {
		name += "-" + strconv.Itoa(i)
	}
	l := map[string]string{"k8s-app": name}
	spec := podSpec(name, name, imageFor("platform-"+name, 1), variantHardened, false)
	spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	spec.PriorityClassName = "system-node-critical"
	spec.Affinity = nil
	spec.TopologySpreadConstraints = nil
	switch i % 3 {
	case 0: // agents that need the host
		spec.HostNetwork, spec.HostPID = true, true
		spec.DNSPolicy = corev1.DNSClusterFirstWithHostNet
		spec.SecurityContext = &corev1.PodSecurityContext{}
		spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr(true)}
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "host-root", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}})
		spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "host-root", MountPath: "/host", ReadOnly: true})
	case 1:
		spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "varlog", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}})
		spec.Containers[0].VolumeMounts = append(spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "varlog", MountPath: "/var/log", ReadOnly: true})
	}
	return &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l},
		Spec: appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: l}, RevisionHistoryLimit: ptr(int32(10)),
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
			Template:       corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l}, Spec: spec}}}
}

func daemonPod(d *appsv1.DaemonSet, node string) *corev1.Pod {
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Labels["controller-revision-hash"] = suffix(d.Name, 10)
	tmpl.Labels["pod-template-generation"] = "1"
	tmpl.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}}}
	return podFrom(d.Name+"-"+suffix(d.Name+node, 5), tmpl, "DaemonSet", "apps/v1", d.Name, string(d.UID), node)
}

func cronJob(app, sa string, v int) *batchv1.CronJob {
	spec := podSpec(app, sa, imageFor(app, 1), v, false)
	spec.RestartPolicy = corev1.RestartPolicyOnFailure
	spec.Containers[0].LivenessProbe, spec.Containers[0].ReadinessProbe = nil, nil
	spec.Containers[0].Ports = nil
	spec.Affinity, spec.TopologySpreadConstraints = nil, nil
	return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: app, Labels: appLabels(app)},
		Spec: batchv1.CronJobSpec{Schedule: fmt.Sprintf("%d * * * *", h(app)%60), ConcurrencyPolicy: batchv1.ForbidConcurrent,
			SuccessfulJobsHistoryLimit: ptr(int32(3)), FailedJobsHistoryLimit: ptr(int32(1)),
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{BackoffLimit: ptr(int32(2)), TTLSecondsAfterFinished: ptr(int32(86400)),
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": app}}, Spec: spec}}}}}
}

func job(c *batchv1.CronJob, k int) *batchv1.Job {
	t := c.Spec.JobTemplate.Spec.DeepCopy()
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", c.Name, 29500000+k*60),
		Labels: map[string]string{"app": c.Name}, Annotations: map[string]string{"batch.kubernetes.io/cronjob-scheduled-timestamp": "2026-03-01T08:00:00Z"},
		OwnerReferences: controllerRef("CronJob", "batch/v1", c.Name, string(c.UID))}, Spec: *t}
}

func jobPod(j *batchv1.Job, node string) *corev1.Pod {
	tmpl := j.Spec.Template.DeepCopy() // carries the labels the API server generated (controller-uid, job-name)
	return podFrom(j.Name+"-"+suffix(j.Name, 5), tmpl, "Job", "batch/v1", j.Name, string(j.UID), node)
}

func webhooks(n int) ([]*admissionregistrationv1.ValidatingWebhookConfiguration, []*admissionregistrationv1.MutatingWebhookConfiguration) {
	ignore := admissionregistrationv1.Ignore
	none := admissionregistrationv1.SideEffectClassNone
	// Rules match only a group nothing in this cluster serves, so no request ever calls them.
	rules := []admissionregistrationv1.RuleWithOperations{{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{"policy.example.com"}, APIVersions: []string{"v1"}, Resources: []string{"widgets"}}}}
	cc := func(name string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: "kube-system", Name: name, Path: ptr("/validate"), Port: ptr(int32(443))},
			CABundle: []byte(caPEM + filler(name, 800) + "\n-----END CERTIFICATE-----\n")}
	}
	var vs []*admissionregistrationv1.ValidatingWebhookConfiguration
	var ms []*admissionregistrationv1.MutatingWebhookConfiguration
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("policy-%d.example.com", i)
		if i%2 == 0 {
			vs = append(vs, &admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("policy-validator-%d", i)},
				Webhooks: []admissionregistrationv1.ValidatingWebhook{{Name: name, ClientConfig: cc(name), Rules: rules, FailurePolicy: &ignore, SideEffects: &none,
					AdmissionReviewVersions: []string{"v1"}, TimeoutSeconds: ptr(int32(5))}}})
		} else {
			ms = append(ms, &admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("policy-mutator-%d", i)},
				Webhooks: []admissionregistrationv1.MutatingWebhook{{Name: name, ClientConfig: cc(name), Rules: rules, FailurePolicy: &ignore, SideEffects: &none,
					AdmissionReviewVersions: []string{"v1"}, TimeoutSeconds: ptr(int32(5))}}})
		}
	}
	return vs, ms
}
