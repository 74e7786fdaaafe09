package workload

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	DefaultServiceAccount = "KW-SA-001"
	TokenAutomounted      = "KW-SA-002"
)

func init() {
	wl := []string{"manifest", "cluster", "admission"}
	catalog.Register(
		&catalog.Entry{ID: DefaultServiceAccount, Item: "4.2", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Workload uses the namespace's default service account", ZH: "工作负载使用命名空间的 default 服务账号"},
			Remediation: catalog.Text{EN: "Create one ServiceAccount per application and set serviceAccountName.", ZH: "为每个应用创建独立的 ServiceAccount 并设置 serviceAccountName。"},
			References:  []string{"CIS Kubernetes 5.1.5"}},
		&catalog.Entry{ID: TokenAutomounted, Item: "4.2", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Service account token is mounted where it is not needed", ZH: "在不需要的地方挂载了服务账号令牌"},
			Remediation: catalog.Text{EN: "Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless the app calls the Kubernetes API.", ZH: "除非应用需要调用 Kubernetes API，否则在 Pod（或其 ServiceAccount）上设置 automountServiceAccountToken: false。"},
			References:  []string{"CIS Kubernetes 5.1.6"}},
	)
	check.Register(&check.Rule{
		IDs:     []string{DefaultServiceAccount, TokenAutomounted},
		Applies: isWorkload,
		Run:     checkServiceAccount,
	})
	check.RegisterPolicy(&check.PolicyRule{IDs: []string{TokenAutomounted}, Run: checkTokenMounts})
}

func checkServiceAccount(_ *check.Env, t *check.Target, em *check.Emitter) {
	w := t.Workload
	if check.ServiceAccountName(w.Spec) == "default" {
		em.Fail(DefaultServiceAccount, "", w.SpecPath+".serviceAccountName",
			catalog.F("pod runs as the default service account of namespace %s", "Pod 使用命名空间 %s 的 default 服务账号", t.Namespace), "serviceAccountName=default")
	}
	// Whether the token is needed depends on the service account and its
	// bindings: decided in checkTokenMounts once the whole scan is indexed.
	em.Skip(TokenAutomounted)
}

// checkTokenMounts decides workloads that do not disable
// automountServiceAccountToken: an unset value leaves it to the
// ServiceAccount. A service account that some binding of the scan grants
// permissions evidently needs its token, so only accounts without any
// binding are flagged.
func checkTokenMounts(_ *check.Env, ix *check.Index, em *check.Emitter) {
	for _, m := range ix.TokenMounts {
		key := m.Object.Namespace + "/" + m.ServiceAccount
		f := check.Finding{ID: TokenAutomounted, Object: m.Object, Location: m.Location}
		if sa, ok := ix.ServiceAccounts[key]; ok {
			if a := sa.Typed.(*corev1.ServiceAccount).AutomountServiceAccountToken; !m.Explicit && a != nil && !*a {
				em.Pass(f)
				continue
			}
		}
		if ix.BoundServiceAccounts[key] {
			em.Pass(f)
			continue
		}
		f.Status = result.Fail
		f.Evidence = "automountServiceAccountToken unset on pod and ServiceAccount"
		if m.Explicit {
			f.Evidence = "automountServiceAccountToken=true on the pod"
		}
		f.Message = catalog.F("the token of service account %s is mounted, and no RoleBinding or ClusterRoleBinding in the scan grants that account anything",
			"服务账号 %s 的令牌被挂载，而扫描中没有任何 RoleBinding 或 ClusterRoleBinding 授予该账号权限", m.ServiceAccount)
		em.Add(f)
	}
}
