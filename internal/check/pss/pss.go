// Package pss evaluates every Pod Security Standards control with the
// upstream k8s.io/pod-security-admission library, so verdicts match the API
// server's, and reports each control separately. IDs: KW-PSS-B* (baseline)
// and KW-PSS-R* (restricted).
package pss

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

// control describes how one upstream control appears in the catalogue.
type control struct {
	id    string
	title catalog.Text
	fix   catalog.Text
	name  string // the control's name in the Pod Security Standards
}

// controls maps upstream check IDs to stable catalogue IDs. A test asserts
// every upstream check is mapped, so a library upgrade cannot add an
// unreported control.
var controls = map[policy.CheckID]control{
	"hostNamespaces":             {"KW-PSS-B01", catalog.Text{EN: "PSS baseline: host namespaces", ZH: "PSS 基线：宿主机命名空间"}, catalog.Text{EN: "Remove hostNetwork, hostPID and hostIPC.", ZH: "删除 hostNetwork、hostPID 和 hostIPC。"}, "Host Namespaces"},
	"privileged":                 {"KW-PSS-B02", catalog.Text{EN: "PSS baseline: privileged containers", ZH: "PSS 基线：特权容器"}, catalog.Text{EN: "Remove securityContext.privileged: true.", ZH: "删除 securityContext.privileged: true。"}, "Privileged Containers"},
	"capabilities_baseline":      {"KW-PSS-B03", catalog.Text{EN: "PSS baseline: capabilities beyond the default set", ZH: "PSS 基线：超出默认集合的能力"}, catalog.Text{EN: "Add no capabilities beyond the baseline set.", ZH: "不要添加基线集合之外的能力。"}, "Capabilities"},
	"hostPathVolumes":            {"KW-PSS-B04", catalog.Text{EN: "PSS baseline: hostPath volumes", ZH: "PSS 基线：hostPath 卷"}, catalog.Text{EN: "Replace hostPath volumes.", ZH: "替换 hostPath 卷。"}, "HostPath Volumes"},
	"hostPorts":                  {"KW-PSS-B05", catalog.Text{EN: "PSS baseline: host ports", ZH: "PSS 基线：宿主机端口"}, catalog.Text{EN: "Remove hostPort.", ZH: "删除 hostPort。"}, "Host Ports"},
	"appArmorProfile":            {"KW-PSS-B06", catalog.Text{EN: "PSS baseline: AppArmor", ZH: "PSS 基线：AppArmor"}, catalog.Text{EN: "Do not set AppArmor to Unconfined.", ZH: "不要将 AppArmor 设置为 Unconfined。"}, "AppArmor"},
	"seLinuxOptions":             {"KW-PSS-B07", catalog.Text{EN: "PSS baseline: SELinux", ZH: "PSS 基线：SELinux"}, catalog.Text{EN: "Use an allowed SELinux type; leave user and role unset.", ZH: "使用允许的 SELinux type，不要设置 user 和 role。"}, "SELinux"},
	"procMount":                  {"KW-PSS-B08", catalog.Text{EN: "PSS baseline: /proc mount type", ZH: "PSS 基线：/proc 挂载类型"}, catalog.Text{EN: "Leave procMount at Default.", ZH: "保持 procMount 为 Default。"}, "/proc Mount Type"},
	"seccompProfile_baseline":    {"KW-PSS-B09", catalog.Text{EN: "PSS baseline: seccomp not Unconfined", ZH: "PSS 基线：seccomp 不得为 Unconfined"}, catalog.Text{EN: "Do not set seccompProfile.type: Unconfined.", ZH: "不要设置 seccompProfile.type: Unconfined。"}, "Seccomp"},
	"sysctls":                    {"KW-PSS-B10", catalog.Text{EN: "PSS baseline: unsafe sysctls", ZH: "PSS 基线：不安全的 sysctl"}, catalog.Text{EN: "Set only the safe sysctls.", ZH: "只设置安全的 sysctl。"}, "Sysctls"},
	"windowsHostProcess":         {"KW-PSS-B11", catalog.Text{EN: "PSS baseline: Windows HostProcess", ZH: "PSS 基线：Windows HostProcess"}, catalog.Text{EN: "Do not run Windows HostProcess containers.", ZH: "不要运行 Windows HostProcess 容器。"}, "HostProcess"},
	"hostProbesAndHostLifecycle": {"KW-PSS-B12", catalog.Text{EN: "PSS baseline: probes and lifecycle handlers on other hosts", ZH: "PSS 基线：指向其他主机的探针与生命周期处理器"}, catalog.Text{EN: "Leave the host field of probes and lifecycle handlers unset.", ZH: "不要设置探针与生命周期处理器的 host 字段。"}, "Probes / Lifecycle Hooks"},
	"restrictedVolumes":          {"KW-PSS-R01", catalog.Text{EN: "PSS restricted: volume types", ZH: "PSS 受限：卷类型"}, catalog.Text{EN: "Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes.", ZH: "只使用 configMap、csi、downwardAPI、emptyDir、ephemeral、persistentVolumeClaim、projected 和 secret 卷。"}, "Volume Types"},
	"allowPrivilegeEscalation":   {"KW-PSS-R02", catalog.Text{EN: "PSS restricted: privilege escalation", ZH: "PSS 受限：权限提升"}, catalog.Text{EN: "Set allowPrivilegeEscalation: false.", ZH: "设置 allowPrivilegeEscalation: false。"}, "Privilege Escalation"},
	"runAsNonRoot":               {"KW-PSS-R03", catalog.Text{EN: "PSS restricted: running as non-root", ZH: "PSS 受限：以非 root 运行"}, catalog.Text{EN: "Set runAsNonRoot: true.", ZH: "设置 runAsNonRoot: true。"}, "Running as Non-root"},
	"runAsUser":                  {"KW-PSS-R04", catalog.Text{EN: "PSS restricted: running as non-root user", ZH: "PSS 受限：以非 root 用户运行"}, catalog.Text{EN: "Do not set runAsUser: 0.", ZH: "不要设置 runAsUser: 0。"}, "Running as Non-root user"},
	"seccompProfile_restricted":  {"KW-PSS-R05", catalog.Text{EN: "PSS restricted: seccomp profile set", ZH: "PSS 受限：设置 seccomp 配置"}, catalog.Text{EN: "Set seccompProfile.type: RuntimeDefault or Localhost.", ZH: "设置 seccompProfile.type: RuntimeDefault 或 Localhost。"}, "Seccomp"},
	"capabilities_restricted":    {"KW-PSS-R06", catalog.Text{EN: "PSS restricted: capabilities", ZH: "PSS 受限：能力"}, catalog.Text{EN: "Drop ALL capabilities and add only NET_BIND_SERVICE.", ZH: "丢弃全部能力，仅添加 NET_BIND_SERVICE。"}, "Capabilities"},
	"procMount_restricted":       {"KW-PSS-R07", catalog.Text{EN: "PSS restricted: /proc mount type", ZH: "PSS 受限：/proc 挂载类型"}, catalog.Text{EN: "Leave procMount at Default.", ZH: "保持 procMount 为 Default。"}, "/proc Mount Type"},
}

// evaluated is one upstream control at its newest version.
type evaluated struct {
	control
	level api.Level
	fn    policy.CheckPodFn
}

var checks []evaluated

func init() {
	for _, c := range policy.DefaultChecks() {
		ctl, ok := controls[c.ID]
		if !ok {
			panic(fmt.Sprintf("pss: upstream control %q has no catalogue ID", c.ID))
		}
		latest := c.Versions[len(c.Versions)-1]
		checks = append(checks, evaluated{control: ctl, level: c.Level, fn: latest.CheckPod})
		sev, item := catalog.SeverityHigh, "4.7"
		if c.Level == api.LevelRestricted {
			sev = catalog.SeverityMedium
		}
		check.Register(check.Spec{
			ID: ctl.id, Object: podSecurityRule, Item: item, Severity: sev, Scope: check.Manifest | check.Cluster | check.Admission,
			Title: ctl.title, Remediation: ctl.fix,
			References: []string{fmt.Sprintf("PSS %s: %s", c.Level, ctl.name)},
		})
	}
	sort.Slice(checks, func(i, j int) bool { return checks[i].id < checks[j].id })
}

var podSecurityRule = &check.ObjectRule{Applies: func(t *check.Target) bool { return t.Workload != nil }, Run: run}

func run(_ *check.Env, t *check.Target, em *check.Emitter) {
	w := t.Workload
	for _, c := range checks {
		r := c.fn(w.Meta, w.Spec)
		if r.Allowed {
			continue
		}
		detail := r.ForbiddenReason
		if r.ForbiddenDetail != "" {
			detail += " (" + r.ForbiddenDetail + ")"
		}
		zh, _ := violationZH(r.ForbiddenReason, r.ForbiddenDetail)
		em.Fail(c.id, "", w.SpecPath, catalog.Text{
			EN: fmt.Sprintf("violates Pod Security %s: %s", c.level, detail),
			ZH: fmt.Sprintf("违反 Pod 安全标准 %s 级别：%s", c.level, zh),
		}, detail)
	}
}

// Level returns the strictest Pod Security level the pod template satisfies,
// evaluated by the upstream evaluator exactly as the admission plugin does.
func Level(meta *metav1.ObjectMeta, spec *corev1.PodSpec) api.Level {
	for _, lvl := range []api.Level{api.LevelRestricted, api.LevelBaseline} {
		allowed := true
		for _, r := range evaluator.EvaluatePod(api.LevelVersion{Level: lvl, Version: api.LatestVersion()}, meta, spec) {
			if !r.Allowed {
				allowed = false
				break
			}
		}
		if allowed {
			return lvl
		}
	}
	return api.LevelPrivileged
}

var evaluator = func() policy.Evaluator {
	e, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		panic(err)
	}
	return e
}()
