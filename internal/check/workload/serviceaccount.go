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
	AccountAutomounts     = "KW-SA-003"
)

func init() {
	wl := check.Manifest | check.Cluster | check.Admission
	check.Register(
		check.Spec{ID: DefaultServiceAccount, Fix: fixes[DefaultServiceAccount], CEL: defaultServiceAccountCEL, Object: serviceAccountRule, Item: "4.2", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Workload uses the namespace's default service account", ZH: "工作负载使用命名空间的 default 服务账号"},
			Remediation: catalog.Text{EN: "Create one ServiceAccount per application and set serviceAccountName.", ZH: "为每个应用创建独立的 ServiceAccount 并设置 serviceAccountName。"},
			References:  []string{"CIS Kubernetes v1.12 5.1.5"}},
		check.Spec{ID: TokenAutomounted, Fix: fixes[TokenAutomounted], Object: serviceAccountRule, Policy: tokenMountsRule, Item: "4.2", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Service account token is mounted where it is not needed", ZH: "在不需要的地方挂载了服务账号令牌"},
			Remediation: catalog.Text{EN: "Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless the app calls the Kubernetes API.", ZH: "除非应用需要调用 Kubernetes API，否则在 Pod（或其 ServiceAccount）上设置 automountServiceAccountToken: false。"},
			References:  []string{"CIS Kubernetes v1.12 5.1.6"}},
	)
	check.Register(check.Spec{ID: AccountAutomounts, Fix: fixes[AccountAutomounts], Policy: accountsRule, Item: "4.2", Severity: catalog.SeverityMedium, Scope: check.Manifest | check.Cluster,
		Title:       catalog.Text{EN: "ServiceAccount hands its token to every pod by default", ZH: "ServiceAccount 默认向所有 Pod 挂载其令牌"},
		Remediation: catalog.Text{EN: "Set automountServiceAccountToken: false on the ServiceAccount (always on a namespace's default account); pods that call the Kubernetes API opt in with automountServiceAccountToken: true.", ZH: "在 ServiceAccount 上设置 automountServiceAccountToken: false（命名空间的 default 账号必须设置）；需要调用 Kubernetes API 的 Pod 通过 automountServiceAccountToken: true 显式启用。"},
		References:  []string{"CIS Kubernetes v1.12 5.1.5", "CIS Kubernetes v1.12 5.1.6"}})
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	defaultServiceAccountCEL = &check.CEL{Target: check.CELPod, OK: check.Const(
		"(has(variables.podSpec.serviceAccountName) && variables.podSpec.serviceAccountName != '') ? variables.podSpec.serviceAccountName != 'default' : " +
			"(has(variables.podSpec.serviceAccount) && variables.podSpec.serviceAccount != '' && variables.podSpec.serviceAccount != 'default')")}
)

var (
	serviceAccountRule = &check.ObjectRule{Applies: isWorkload, Run: checkServiceAccount}
	tokenMountsRule    = &check.PolicyRule{Run: checkTokenMounts}
	accountsRule       = &check.PolicyRule{Run: checkAccounts}
)

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

// checkAccounts judges each ServiceAccount of the scan outside the system
// namespaces by its own automountServiceAccountToken, with what the scan
// shows of its use, so that an account that needs its token is not a
// false alarm:
//
//   - false: PASS;
//   - a namespace's default account: FAIL (CIS 5.1.5: nothing should use it,
//     least of all with a token); a binding to it is KW-RBAC-012;
//   - bound by a RoleBinding or ClusterRoleBinding of the scan: PASS (it
//     evidently calls the API);
//   - run by workloads that each set automountServiceAccountToken
//     themselves: PASS (the pods decide, the account's default is moot);
//   - otherwise (unbound, and some or no workload relies on the default):
//     FAIL.
//
// Not evaluated at admission: one object shows neither bindings nor pods.
func checkAccounts(env *check.Env, ix *check.Index, em *check.Emitter) {
	for _, key := range check.SortedIDs(countKeys(ix.ServiceAccounts)) {
		o := ix.ServiceAccounts[key]
		if env.IsSystemNamespace(o.Namespace) {
			continue
		}
		sa := o.Typed.(*corev1.ServiceAccount)
		f := check.Finding{ID: AccountAutomounts, Object: o, Path: "automountServiceAccountToken"}
		a := sa.AutomountServiceAccountToken
		use := ix.ServiceAccountUse[key]
		switch {
		case a != nil && !*a:
			em.Pass(f)
			continue
		case o.Name == "default":
			f.Message = catalog.F("the default service account of namespace %s mounts its token into every pod that names no account", "命名空间 %s 的 default 服务账号会向所有未指定账号的 Pod 挂载其令牌", o.Namespace)
		case ix.BoundServiceAccounts[key]:
			em.Pass(f)
			continue
		case use != nil && use.Explicit == use.Workloads:
			em.Pass(f)
			continue
		case use != nil:
			f.Message = catalog.F("service account %s is bound to no role in the scan, and %d of its %d workloads take its default: their pods get a token they do not need", "服务账号 %[1]s 在扫描中未绑定任何角色，其 %[3]d 个工作负载中有 %[2]d 个采用其默认值：这些 Pod 会获得不需要的令牌", o.Name, use.Workloads-use.Explicit, use.Workloads)
		default:
			f.Message = catalog.F("service account %s is bound to no role in the scan and mounts its token by default", "服务账号 %s 在扫描中未绑定任何角色，却默认挂载其令牌", o.Name)
		}
		if a != nil {
			f.Evidence = "automountServiceAccountToken=true"
		} else {
			f.Evidence = "automountServiceAccountToken unset (defaults to true)"
			f.Path = "metadata"
		}
		f.Status = result.Fail
		em.Add(f)
	}
}

func countKeys[V any](m map[string]V) map[string]int {
	out := make(map[string]int, len(m))
	for k := range m {
		out[k] = 0
	}
	return out
}
