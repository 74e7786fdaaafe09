package secrets

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	LiteralInWorkload = "KW-SEC-001"
	InConfigMap       = "KW-SEC-002"
	SecretInManifest  = "KW-SEC-003"
)

func init() {
	check.Register(
		check.Spec{ID: LiteralInWorkload, Fix: literalFix, Object: literalRule, Item: "4.11", Severity: catalog.SeverityHigh, Scope: check.Manifest | check.Cluster | check.Admission,
			Title:       catalog.Text{EN: "Secret written as a literal in a container's env or arguments", ZH: "机密以明文写在容器的环境变量或参数中"},
			Remediation: catalog.Text{EN: "Move the value into a Secret (fed from an external secret store) and use env.valueFrom.secretKeyRef.", ZH: "将该值移入 Secret（由外部机密存储提供），并使用 env.valueFrom.secretKeyRef 引用。"},
			References:  []string{"CIS Kubernetes v1.12 5.4.1", "OWASP Kubernetes Top 10 K08"}},
		check.Spec{ID: InConfigMap, Fix: literalFix, Object: configMapRule, Item: "4.11", Severity: catalog.SeverityHigh, Scope: check.Manifest | check.Cluster | check.Admission,
			Title:       catalog.Text{EN: "Secret stored in a ConfigMap", ZH: "机密存放在 ConfigMap 中"},
			Remediation: catalog.Text{EN: "Move the value into a Secret; ConfigMaps are not encrypted at rest and are readable more widely.", ZH: "将该值移入 Secret；ConfigMap 不会静态加密，且可读范围更广。"},
			References:  []string{"Kubernetes docs: Good practices for Kubernetes Secrets"}},
		check.Spec{ID: SecretInManifest, Fix: moveToVaultFix, Object: secretRule, Policy: sourcesRule, Item: "4.11", Severity: catalog.SeverityHigh, Scope: check.Manifest,
			Title:       catalog.Text{EN: "Secret values sit in the scanned YAML", ZH: "扫描的 YAML 中包含 Secret 的值"},
			Remediation: catalog.Text{EN: "Keep secret values out of files that get committed: use an external secret store (External Secrets Operator, Vault) or Sealed Secrets.", ZH: "不要将机密值写入会提交到 Git 的文件：使用外部机密存储（External Secrets Operator、Vault）或 Sealed Secrets。"},
			References:  []string{"Kubernetes docs: Good practices for Kubernetes Secrets"}},
	)
}

var (
	literalRule   = &check.ObjectRule{Applies: func(t *check.Target) bool { return t.Workload != nil }, Run: checkWorkload}
	configMapRule = &check.ObjectRule{Applies: isKind("ConfigMap"), Run: checkConfigMap}
	secretRule    = &check.ObjectRule{Applies: secretOrStore, Run: checkSecret}
)

func isKind(kind string) func(*check.Target) bool {
	return func(t *check.Target) bool { return t.Kind == kind && t.Group == "" }
}

func report(em *check.Emitter, id, container, path, where string, v Verdict, value string) {
	f := check.Finding{ID: id, Status: result.Fail, Container: container, Path: path,
		Message:  catalog.Text{EN: fmt.Sprintf("%s looks like a secret: %s", where, v.Why), ZH: whereZH(where) + " 疑似机密：" + whyZH(v.Why)},
		Evidence: where + " = " + Redact(value)}
	if !v.Certain {
		f.Status = result.Warn
	}
	em.Add(f)
}

func checkWorkload(_ *check.Env, t *check.Target, em *check.Emitter) {
	for _, c := range t.Workload.Containers() {
		for i, e := range c.Env {
			if e.ValueFrom != nil || e.Value == "" {
				continue
			}
			if v := Classify(e.Name, e.Value); v.Secret {
				report(em, LiteralInWorkload, c.Name, fmt.Sprintf("%s.env[%d].value", c.Path, i), "env "+e.Name, v, e.Value)
			}
		}
		scanArgs(em, c.Name, c.Path+".command", c.Command)
		scanArgs(em, c.Name, c.Path+".args", c.Args)
	}
}

// scanArgs flags --password=VALUE style arguments and the value after a bare
// --password flag.
func scanArgs(em *check.Emitter, container, path string, args []string) {
	for i, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		flag, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
				continue
			}
			value = args[i+1]
		}
		if v := Classify(flag, value); v.Secret && v.Certain {
			report(em, LiteralInWorkload, container, fmt.Sprintf("%s[%d]", path, i), "argument --"+flag, v, value)
		}
	}
}

func checkConfigMap(_ *check.Env, t *check.Target, em *check.Emitter) {
	cm := t.Typed.(*corev1.ConfigMap)
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := cm.Data[k]
		path := "data[" + k + "]"
		if strings.Contains(val, "\n") {
			if line, why, certain := ScanText(val); line > 0 {
				report(em, InConfigMap, "", path, fmt.Sprintf("data %s (line %d of the value)", k, line), Verdict{Secret: true, Certain: certain, Why: why}, val)
			}
			continue
		}
		if v := Classify(k, val); v.Secret {
			report(em, InConfigMap, "", path, "data "+k, v, val)
		}
	}
}

// secretOrStore selects Secrets and the manifests that stand for them in
// Git instead of their values: SealedSecrets and ExternalSecrets, which
// pass KW-SEC-003.
func secretOrStore(t *check.Target) bool {
	switch t.Typed.(type) {
	case *corev1.Secret, *inventory.SealedSecret, *inventory.ExternalSecret:
		return true
	}
	return false
}

// checkSecret passes Secrets without values in the file and those a store
// made (an owner reference to an ExternalSecret or a SealedSecret, as a
// dump of a live cluster has). The others are judged once the scan is
// complete (judgeSecretsInFiles), when an ExternalSecret or SealedSecret of
// the scan may turn out to make them.
func checkSecret(_ *check.Env, t *check.Target, em *check.Emitter) {
	s, ok := t.Typed.(*corev1.Secret)
	if !ok {
		return
	}
	if keys, _ := valueKeys(s); len(keys) == 0 {
		return
	}
	for _, o := range s.OwnerReferences {
		if o.Kind == "ExternalSecret" || o.Kind == "SealedSecret" {
			return
		}
	}
	em.Skip(SecretInManifest)
}
