package workload

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
)

const (
	RootGroup       = "KW-POD-010"
	SysctlInjection = "KW-POD-011"
)

func init() {
	wl := check.Manifest | check.Cluster | check.Admission
	check.Register(
		check.Spec{ID: RootGroup, Fix: fixes[RootGroup], CEL: rootGroupCEL, Object: groupsRule, Item: "2.3", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Container runs with the root group (GID 0)", ZH: "容器以 root 组（GID 0）运行"},
			Remediation: catalog.Text{EN: "Set runAsGroup and fsGroup to a non-zero GID and remove 0 from supplementalGroups: group 0 reads and writes every file the image and volumes leave to the root group.", ZH: "将 runAsGroup 与 fsGroup 设为非 0 的 GID，并从 supplementalGroups 中删除 0：root 组可以读写镜像和卷中属于 root 组的所有文件。"},
			References:  []string{"NSA/CISA Kubernetes Hardening Guide: non-root containers"}},
		check.Spec{ID: SysctlInjection, Fix: fixes[SysctlInjection], CEL: sysctlInjectionCEL, Object: groupsRule, Item: "2.4", Severity: catalog.SeverityCritical, Scope: wl,
			Title:       catalog.Text{EN: "Sysctl value smuggles further settings (+ or =, CVE-2022-0811)", ZH: "sysctl 值夹带其他设置（+ 或 =，CVE-2022-0811）"},
			Remediation: catalog.Text{EN: "Give each sysctl a plain value without + or =; set each sysctl as its own entry. Upgrade CRI-O to 1.19.6, 1.20.7, 1.21.6, 1.22.3, 1.23.2 or later.", ZH: "为每个 sysctl 使用不含 + 或 = 的普通值，每个 sysctl 单独一项；将 CRI-O 升级到 1.19.6、1.20.7、1.21.6、1.22.3、1.23.2 或更高版本。"},
			References:  []string{"CVE-2022-0811 (cr8escape)", "PSS baseline: Sysctls"}},
	)
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	rootGroupCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.Effective("runAsGroup", "%s != 0", "true") +
			" && !(has(variables.podSecurityContext.fsGroup) && variables.podSecurityContext.fsGroup == 0)" +
			" && !(has(variables.podSecurityContext.supplementalGroups) && variables.podSecurityContext.supplementalGroups.exists(g, g == 0))")}
	sysctlInjectionCEL = &check.CEL{Target: check.CELPod, OK: check.Const(
		"!has(variables.podSecurityContext.sysctls) || variables.podSecurityContext.sysctls.all(s, !has(s.value) || (!s.value.contains('+') && !s.value.contains('=')))")}
)

var groupsRule = &check.ObjectRule{Applies: isWorkload, Run: checkGroups}

// checkGroups flags group 0 (runAsGroup per container, fsGroup and
// supplementalGroups of the pod) and sysctl values that carry more than
// one setting.
func checkGroups(_ *check.Env, t *check.Target, em *check.Emitter) {
	w := t.Workload
	s := w.Spec
	podSC := w.SpecPath + ".securityContext"
	if isWindows(s) {
		em.Skip(RootGroup) // Windows has no GIDs
	} else {
		for _, c := range w.Containers() {
			g, path := (*int64)(nil), ""
			if s.SecurityContext != nil && s.SecurityContext.RunAsGroup != nil {
				g, path = s.SecurityContext.RunAsGroup, podSC+".runAsGroup"
			}
			if c.SecurityContext != nil && c.SecurityContext.RunAsGroup != nil {
				g, path = c.SecurityContext.RunAsGroup, c.Path+".securityContext.runAsGroup"
			}
			if g != nil && *g == 0 {
				em.Fail(RootGroup, c.Name, path, catalog.F("container %s runs with primary group root (runAsGroup: 0)", "容器 %s 以 root 为主组运行（runAsGroup: 0）", c.Name), "runAsGroup=0")
			}
		}
		if p := s.SecurityContext; p != nil {
			if p.FSGroup != nil && *p.FSGroup == 0 {
				em.Fail(RootGroup, "", podSC+".fsGroup", catalog.F("every container gets group root and volumes are made group-owned by root (fsGroup: 0)", "所有容器获得 root 组，卷的属组被设为 root（fsGroup: 0）"), "fsGroup=0")
			}
			if i := slices.Index(p.SupplementalGroups, 0); i >= 0 {
				em.Fail(RootGroup, "", fmt.Sprintf("%s.supplementalGroups[%d]", podSC, i), catalog.F("every container is a member of group root (supplementalGroups contains 0)", "所有容器都是 root 组成员（supplementalGroups 包含 0）"), "supplementalGroups contains 0")
			}
		}
	}
	if p := s.SecurityContext; p != nil {
		for i, sc := range p.Sysctls {
			if strings.ContainsAny(sc.Value, "+=") {
				em.Fail(SysctlInjection, "", fmt.Sprintf("%s.sysctls[%d].value", podSC, i),
					catalog.F("sysctl %s has a value with + or =, which CRI-O before the CVE-2022-0811 fix parses as further sysctls (any kernel parameter, a container escape)", "sysctl %s 的值包含 + 或 =，未修复 CVE-2022-0811 的 CRI-O 会将其解析为更多 sysctl（可设置任意内核参数，导致容器逃逸）", sc.Name),
					fmt.Sprintf("sysctls[%d] %s=%q", i, sc.Name, sc.Value))
			}
		}
	}
}
