package cluster

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	SharedServiceAccount = "KW-CL-011"
	LongLivedToken       = "KW-CL-012"
)

func init() {
	check.Register(check.Spec{ID: SharedServiceAccount, Item: "4.2", Severity: catalog.SeverityMedium, Scope: check.Cluster, Policy: sharedAccountsRule,
		References:  []string{"CIS Kubernetes v1.12 5.1.5"},
		Title:       T{EN: "Service account shared by unrelated workloads", ZH: "服务账号被多个无关工作负载共用"},
		Remediation: T{EN: "Give each application its own ServiceAccount so its permissions and token stay its own.", ZH: "为每个应用分配独立的 ServiceAccount，使其权限与令牌互不共享。"}})
	check.Register(check.Spec{ID: LongLivedToken, Item: "4.2", Severity: catalog.SeverityHigh, Scope: check.Manifest | check.Cluster | check.Admission, Object: tokenSecretRule, CEL: longLivedTokenCEL,
		References:  []string{"Kubernetes docs: Legacy service account token cleaner"},
		Title:       T{EN: "Long-lived service account token Secret", ZH: "存在长期有效的服务账号令牌 Secret"},
		Remediation: T{EN: "Delete the kubernetes.io/service-account-token Secret; pods get short-lived projected tokens, and tools can use TokenRequest.", ZH: "删除 kubernetes.io/service-account-token 类型的 Secret；Pod 会获得短期投射令牌，工具可使用 TokenRequest。"}})
}

// longLivedTokenCEL is KW-CL-012 as an admission-policy predicate.
var longLivedTokenCEL = &check.CEL{Target: check.CELSecret, OK: check.Const(
	"!((has(object.type) && object.type == 'kubernetes.io/service-account-token') || (has(object.metadata.annotations) && 'kubernetes.io/service-account.name' in object.metadata.annotations && object.metadata.annotations['kubernetes.io/service-account.name'] != ''))")}

var (
	sharedAccountsRule = &check.PolicyRule{Collect: workloadFacts, Run: checkSharedAccounts}
	tokenSecretRule    = &check.ObjectRule{Applies: func(t *check.Target) bool { return t.Kind == "Secret" && t.Group == "" }, Run: checkTokenSecret}
)

// checkSharedAccounts is KW-CL-011 on the live workloads.
func checkSharedAccounts(env *check.Env, ix *check.Index, em *check.Emitter) {
	if !live(env) {
		return
	}
	serviceAccounts(env, ix, workloads(ix), em)
}

func serviceAccounts(env *check.Env, ix *check.Index, ws []*workload, em *check.Emitter) {
	users := map[string]map[string]bool{} // ns/sa -> roots
	for _, w := range ws {
		if w.kind == "Pod" && len(w.pods) == 1 && w.pods[0].static {
			continue
		}
		for _, p := range w.pods {
			if users[p.namespace+"/"+p.sa] == nil {
				users[p.namespace+"/"+p.sa] = map[string]bool{}
			}
			users[p.namespace+"/"+p.sa][w.kind+"/"+w.name] = true
		}
	}
	keys := make([]string, 0, len(users))
	for k := range users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ns, sa, _ := strings.Cut(k, "/")
		if sa == "default" || env.IsSystemNamespace(ns) {
			continue // KW-SA-001 reports the default account; system namespaces run platform components
		}
		roots := users[k]
		subject := &result.Subject{Kind: "ServiceAccount", Namespace: ns, Name: sa}
		f := check.Finding{ID: SharedServiceAccount, Subject: subject}
		if o := ix.ServiceAccounts[k]; o != nil {
			f.Object, f.Subject = o, nil
		}
		if len(roots) > 1 {
			names := sortedKeys(roots)
			f.Status = result.Fail
			f.Message = catalog.F("service account %s is used by %d workloads: %s", "服务账号 %s 被 %d 个工作负载使用：%s", sa, len(roots), strings.Join(names, ", "))
			f.Evidence = strings.Join(names, ", ")
			em.Add(f)
		} else {
			em.Pass(f)
		}
	}
}

// TokenSecret reports whether a Secret is a long-lived service account
// token and of which account: type kubernetes.io/service-account-token (a
// manifest) or the account annotation the API server requires on such a
// Secret (a live cluster, where Secrets are read as metadata only).
func TokenSecret(o *inventory.Object) (sa string, ok bool) {
	s, _ := o.Typed.(*corev1.Secret)
	sa, annotated := o.Annotations[corev1.ServiceAccountNameKey]
	if annotated && sa != "" {
		return sa, true
	}
	return sa, s != nil && s.Type == corev1.SecretTypeServiceAccountToken
}

// checkTokenSecret is KW-CL-012, the one KW-CL check that is not
// cluster-only: a token Secret in manifests or at admission is the same
// long-lived credential about to exist.
func checkTokenSecret(_ *check.Env, t *check.Target, em *check.Emitter) {
	sa, ok := TokenSecret(t.Object)
	if !ok {
		return
	}
	ev := "type " + string(corev1.SecretTypeServiceAccountToken)
	path := "type"
	if v, annotated := t.Annotations[corev1.ServiceAccountNameKey]; annotated && v != "" {
		ev = "annotation " + corev1.ServiceAccountNameKey + "=" + sa + " (value not read)"
		path = "metadata.annotations[" + corev1.ServiceAccountNameKey + "]"
	}
	if sa == "" {
		sa = "(none named)"
	}
	em.Fail(LongLivedToken, "", path, catalog.F("Secret %s holds a non-expiring token of service account %s", "Secret %s 保存了服务账号 %s 的永不过期令牌", t.Name, sa), ev)
}
