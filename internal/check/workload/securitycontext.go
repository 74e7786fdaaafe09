package workload

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cel"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/result"
)

const (
	RunsAsRoot             = "KW-POD-001"
	Privileged             = "KW-POD-002"
	PrivilegeEscalation    = "KW-POD-003"
	CapabilitiesNotDropped = "KW-POD-004"
	CapabilitiesAdded      = "KW-POD-005"
	SeccompMissing         = "KW-POD-006"
	AppArmorUnconfined     = "KW-POD-007"
	SELinuxEscalating      = "KW-POD-008"
	RootFilesystemWritable = "KW-POD-009"
)

var configSubject = &result.Subject{Kind: "Configuration", Name: "trustedRegistries"}

func init() {
	wl := check.Manifest | check.Cluster | check.Admission
	check.Register(
		check.Spec{ID: RunsAsRoot, Fix: fixes[RunsAsRoot], CEL: runsAsRootCEL, Object: securityContextRule, Item: "2.3", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "Container may run as root", ZH: "容器可能以 root 用户运行"},
			Remediation: catalog.Text{EN: "Set securityContext.runAsNonRoot: true and a non-zero runAsUser, and build the image with a non-root USER.", ZH: "设置 securityContext.runAsNonRoot: true 和非 0 的 runAsUser，并以非 root USER 构建镜像。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.7", "PSS restricted: Running as Non-root"}},
		check.Spec{ID: Privileged, Fix: fixes[Privileged], CEL: privilegedCEL, Object: securityContextRule, Item: "2.4", Severity: catalog.SeverityCritical, Scope: wl,
			Title:       catalog.Text{EN: "Container runs in privileged mode", ZH: "容器以特权模式运行"},
			Remediation: catalog.Text{EN: "Remove securityContext.privileged: true; grant only the specific capabilities the process needs.", ZH: "删除 securityContext.privileged: true；仅授予进程所需的具体能力。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.2", "PSS baseline: Privileged Containers"}},
		check.Spec{ID: PrivilegeEscalation, Fix: fixes[PrivilegeEscalation], CEL: privilegeEscalationCEL, Object: securityContextRule, Item: "2.4", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "Privilege escalation is not disabled", ZH: "未禁用权限提升"},
			Remediation: catalog.Text{EN: "Set securityContext.allowPrivilegeEscalation: false on every container.", ZH: "在每个容器上设置 securityContext.allowPrivilegeEscalation: false。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.6", "PSS restricted: Privilege Escalation"}},
		check.Spec{ID: CapabilitiesNotDropped, Fix: fixes[CapabilitiesNotDropped], CEL: capabilitiesNotDroppedCEL, Object: securityContextRule, Item: "2.4", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Capabilities are not dropped (drop: [ALL])", ZH: "未丢弃全部能力（drop: [ALL]）"},
			Remediation: catalog.Text{EN: "Set securityContext.capabilities.drop: [ALL] and add back only what is needed.", ZH: "设置 securityContext.capabilities.drop: [ALL]，仅添加确实需要的能力。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.8", "CIS Kubernetes v1.12 5.2.9", "PSS restricted: Capabilities"}},
		check.Spec{ID: CapabilitiesAdded, Fix: fixes[CapabilitiesAdded], CEL: capabilitiesAddedCEL, Object: securityContextRule, Item: "2.4", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "Container adds capabilities outside the allow list", ZH: "容器添加了允许列表之外的能力"},
			Remediation: catalog.Text{EN: "Remove the added capabilities, or add them to allowedCapabilities in the configuration after review.", ZH: "删除添加的能力，或在评审后将其加入配置中的 allowedCapabilities。"},
			References:  []string{"CIS Kubernetes v1.12 5.2.9", "PSS baseline: Capabilities"}},
		check.Spec{ID: SeccompMissing, Fix: fixes[SeccompMissing], CEL: seccompMissingCEL, Object: securityContextRule, Item: "2.5", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "No seccomp profile (RuntimeDefault or Localhost)", ZH: "未设置 seccomp 配置（RuntimeDefault 或 Localhost）"},
			Remediation: catalog.Text{EN: "Set securityContext.seccompProfile.type: RuntimeDefault at pod level.", ZH: "在 Pod 级别设置 securityContext.seccompProfile.type: RuntimeDefault。"},
			References:  []string{"CIS Kubernetes v1.12 5.6.2", "PSS restricted: Seccomp"}},
		check.Spec{ID: AppArmorUnconfined, Fix: fixes[AppArmorUnconfined], CEL: appArmorUnconfinedCEL, Object: securityContextRule, Item: "2.5", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "AppArmor is disabled (Unconfined)", ZH: "AppArmor 被禁用（Unconfined）"},
			Remediation: catalog.Text{EN: "Use appArmorProfile.type: RuntimeDefault or a Localhost profile; remove Unconfined.", ZH: "使用 appArmorProfile.type: RuntimeDefault 或 Localhost 配置，删除 Unconfined。"},
			References:  []string{"PSS baseline: AppArmor"}},
		check.Spec{ID: SELinuxEscalating, Fix: fixes[SELinuxEscalating], CEL: seLinuxEscalatingCEL, Object: securityContextRule, Item: "2.5", Severity: catalog.SeverityHigh, Scope: wl,
			Title:       catalog.Text{EN: "SELinux options grant more than the container domain", ZH: "SELinux 选项授予了超出容器域的权限"},
			Remediation: catalog.Text{EN: "Leave seLinuxOptions.user and role unset and use type container_t (or container_init_t, container_kvm_t).", ZH: "不要设置 seLinuxOptions.user 与 role，type 使用 container_t（或 container_init_t、container_kvm_t）。"},
			References:  []string{"PSS baseline: SELinux"}},
		check.Spec{ID: RootFilesystemWritable, Fix: fixes[RootFilesystemWritable], CEL: rootFilesystemWritableCEL, Object: securityContextRule, Item: "2.5", Severity: catalog.SeverityMedium, Scope: wl,
			Title:       catalog.Text{EN: "Root filesystem is writable", ZH: "根文件系统可写"},
			Remediation: catalog.Text{EN: "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where the app writes.", ZH: "设置 securityContext.readOnlyRootFilesystem: true，并为应用写入的位置挂载 emptyDir 卷。"},
			References:  []string{"CIS Kubernetes v1.12 5.6.3", "NSA/CISA Kubernetes Hardening Guide"}},
	)
}

// The checks as admission-policy predicates (check.CEL): what holds when
// each passes, exported by `kubeward export vap`.
var (
	runsAsRootCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.Effective("runAsUser", "%s != 0", cel.Effective("runAsNonRoot", "%s == true", "false")))}
	privilegedCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.CtrField("privileged", "%s != true", "true"))}
	// A privileged container always escalates: it is denied by
	// KW-POD-002 (critical), not reported twice.
	privilegeEscalationCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.CtrField("privileged", "%s == true", "false") + " || " + cel.CtrField("allowPrivilegeEscalation", "%s == false", "false"))}
	capabilitiesNotDroppedCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.CtrField("capabilities", "has(%[1]s.drop) && %[1]s.drop.exists(d, "+cel.NormCap("d")+" == 'ALL')", "false"))}
	capabilitiesAddedCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: func(o *config.Config) string {
		allowed := make([]string, len(o.AllowedCapabilities))
		for i, a := range o.AllowedCapabilities {
			allowed[i] = strings.TrimPrefix(strings.ToUpper(a), "CAP_")
		}
		return cel.CtrField("capabilities", "!has(%[1]s.add) || %[1]s.add.all(a, "+cel.NormCap("a")+" in "+cel.List(allowed)+")", "true")
	}}
	seccompMissingCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.Effective("seccompProfile", "has(%[1]s.type) && %[1]s.type in ['RuntimeDefault', 'Localhost']", "false"))}
	appArmorUnconfinedCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		// Container field, then the legacy annotation, then the pod field
		// (the kubelet's apparmor.GetProfile).
		"((has(c.securityContext) && has(c.securityContext.appArmorProfile)) ? c.securityContext.appArmorProfile.type != 'Unconfined' : " +
			"(('container.apparmor.security.beta.kubernetes.io/' + c.name) in variables.annotations ? " +
			"[variables.annotations['container.apparmor.security.beta.kubernetes.io/' + c.name]].all(a, a == 'runtime/default' || (a.startsWith('localhost/') && a.size() > 10)) : " +
			"!(has(variables.podSecurityContext.appArmorProfile) && variables.podSecurityContext.appArmorProfile.type == 'Unconfined')))")}
	seLinuxEscalatingCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.Effective("seLinuxOptions", "(!has(%[1]s.user) || %[1]s.user == '') && (!has(%[1]s.role) || %[1]s.role == '') && (!has(%[1]s.type) || %[1]s.type in "+cel.List(allowedSELinuxTypes)+")", "true"))}
	rootFilesystemWritableCEL = &check.CEL{Target: check.CELPod, List: check.AllContainers, OK: check.Const(
		cel.CtrField("readOnlyRootFilesystem", "%s == true", "false"))}
)

var securityContextRule = &check.ObjectRule{Applies: isWorkload, Run: checkSecurityContexts}

func isWindows(s *corev1.PodSpec) bool {
	return s.OS != nil && s.OS.Name == corev1.Windows
}

// LinuxOnly are the checks of Linux-only controls (capabilities, seccomp,
// AppArmor, SELinux, a read-only root filesystem): not evaluated on a
// Windows pod (spec.os.name: windows), so neither a finding nor a PASS.
// The VAP export exempts Windows pods from the same list.
var LinuxOnly = []string{CapabilitiesNotDropped, CapabilitiesAdded, SeccompMissing, AppArmorUnconfined, SELinuxEscalating, RootFilesystemWritable, RootGroup}

func checkSecurityContexts(env *check.Env, t *check.Target, em *check.Emitter) {
	w := t.Workload
	windows := isWindows(w.Spec)
	if windows {
		for _, id := range LinuxOnly {
			em.Skip(id)
		}
	}
	for _, c := range w.Containers() {
		sc := w.EffectiveSecurityContext(c)
		checkRoot(em, c, sc)
		if sc.Privileged != nil && *sc.Privileged {
			em.Fail(Privileged, c.Name, sc.ContainerSecurityContextPath+".privileged",
				catalog.F("container %s runs privileged", "容器 %s 以特权模式运行", c.Name), "securityContext.privileged=true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			ev := "securityContext.allowPrivilegeEscalation unset (defaults to true)"
			if sc.AllowPrivilegeEscalation != nil {
				ev = "securityContext.allowPrivilegeEscalation=true"
			}
			em.Fail(PrivilegeEscalation, c.Name, sc.ContainerSecurityContextPath+".allowPrivilegeEscalation",
				catalog.F("container %s may gain more privileges than its parent process", "容器 %s 可以获得比父进程更多的权限", c.Name), ev)
		}
		if windows {
			continue
		}
		checkCapabilities(env, em, c, sc)
		checkSeccomp(em, c, sc)
		if p := sc.AppArmorProfile; p != nil && p.Type == corev1.AppArmorProfileTypeUnconfined {
			em.Fail(AppArmorUnconfined, c.Name, sc.AppArmorProfilePath,
				catalog.F("container %s runs without AppArmor confinement", "容器 %s 未受 AppArmor 约束", c.Name), "appArmorProfile=Unconfined")
		}
		if o := sc.SELinuxOptions; o != nil {
			if o.User != "" || o.Role != "" || !slices.Contains(allowedSELinuxTypes, o.Type) {
				em.Fail(SELinuxEscalating, c.Name, sc.SELinuxOptionsPath,
					catalog.F("container %s sets SELinux options beyond the container domain", "容器 %s 设置了超出容器域的 SELinux 选项", c.Name),
					fmt.Sprintf("seLinuxOptions user=%q role=%q type=%q", o.User, o.Role, o.Type))
			}
		}
		// Ephemeral (debug) containers too: one added with kubectl debug
		// runs in the pod's namespaces like any other container.
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			em.Fail(RootFilesystemWritable, c.Name, sc.ContainerSecurityContextPath+".readOnlyRootFilesystem",
				catalog.F("container %s can write to its root filesystem", "容器 %s 可以写入其根文件系统", c.Name), "readOnlyRootFilesystem is not true")
		}
	}
}

// allowedSELinuxTypes are the types Pod Security baseline allows.
var allowedSELinuxTypes = []string{"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

func checkRoot(em *check.Emitter, c inventory.Container, sc inventory.SecurityContext) {
	switch {
	case sc.RunAsUser != nil && *sc.RunAsUser == 0:
		em.Fail(RunsAsRoot, c.Name, sc.RunAsUserPath, catalog.F("container %s runs as root (runAsUser: 0)", "容器 %s 以 root 运行（runAsUser: 0）", c.Name), "runAsUser=0")
	case sc.RunAsNonRoot != nil && *sc.RunAsNonRoot:
		// The kubelet refuses to start the container as UID 0.
	case sc.RunAsUser != nil:
		// A non-zero UID.
	case sc.RunAsNonRoot != nil:
		em.Fail(RunsAsRoot, c.Name, sc.RunAsNonRootPath, catalog.F("container %s allows root (runAsNonRoot: false)", "容器 %s 允许以 root 运行（runAsNonRoot: false）", c.Name), "runAsNonRoot=false")
	default:
		em.Fail(RunsAsRoot, c.Name, sc.RunAsNonRootPath, catalog.F("container %s runs as the image's user, which may be root: neither runAsNonRoot nor runAsUser is set", "容器 %s 以镜像中的用户运行，可能为 root：未设置 runAsNonRoot 和 runAsUser", c.Name), "runAsNonRoot and runAsUser unset")
	}
}

func normalizeCap(c corev1.Capability) string {
	return strings.TrimPrefix(strings.ToUpper(string(c)), "CAP_")
}

func checkCapabilities(env *check.Env, em *check.Emitter, c inventory.Container, sc inventory.SecurityContext) {
	path := sc.ContainerSecurityContextPath + ".capabilities"
	var drop, add []corev1.Capability
	if sc.Capabilities != nil {
		drop, add = sc.Capabilities.Drop, sc.Capabilities.Add
	}
	droppedAll := slices.ContainsFunc(drop, func(d corev1.Capability) bool { return normalizeCap(d) == "ALL" })
	if !droppedAll {
		em.Fail(CapabilitiesNotDropped, c.Name, path+".drop", catalog.F("container %s keeps the runtime's default capabilities", "容器 %s 保留了运行时的默认能力", c.Name), fmt.Sprintf("capabilities.drop=%v", drop))
	}
	var extra []string
	for _, a := range add {
		n := normalizeCap(a)
		if !slices.ContainsFunc(env.Config.AllowedCapabilities, func(ok string) bool { return normalizeCap(corev1.Capability(ok)) == n }) {
			extra = append(extra, n)
		}
	}
	if len(extra) > 0 {
		em.Fail(CapabilitiesAdded, c.Name, path+".add", catalog.F("container %s adds %s", "容器 %s 添加了 %s", c.Name, strings.Join(extra, ", ")), "capabilities.add="+strings.Join(extra, ","))
	}
}

func checkSeccomp(em *check.Emitter, c inventory.Container, sc inventory.SecurityContext) {
	p := sc.SeccompProfile
	if p != nil && (p.Type == corev1.SeccompProfileTypeRuntimeDefault || p.Type == corev1.SeccompProfileTypeLocalhost) {
		return
	}
	ev := "seccompProfile unset (Unconfined unless the node sets seccompDefault)"
	if p != nil {
		ev = "seccompProfile.type=" + string(p.Type)
	}
	em.Fail(SeccompMissing, c.Name, sc.SeccompProfilePath, catalog.F("container %s runs without a seccomp profile", "容器 %s 未使用 seccomp 配置", c.Name), ev)
}
