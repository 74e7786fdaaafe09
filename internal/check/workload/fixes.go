package workload

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/inventory"
)

// The fixes of the workload checks (check.Fix, see internal/check/fix.go):
// each returns the edits that make one check pass on one object, and none
// on an object that passes. The specs name them through fixes.
var fixes = map[string]*check.Fix{
	RunsAsRoot: {Edits: fixRunAsRoot,
		Changes:    catalog.Text{EN: "set runAsNonRoot: true with a non-zero runAsUser and runAsGroup (harden.workloads, default 65532)", ZH: "设置 runAsNonRoot: true 及非 0 的 runAsUser 与 runAsGroup（harden.workloads，默认 65532）"},
		Companions: []catalog.Text{{EN: "runAsGroup set beside runAsUser so files are not group root", ZH: "同时设置 runAsGroup，避免文件属组为 root"}}},
	RootGroup: {Edits: fixRootGroup,
		Changes: catalog.Text{EN: "replace group 0 in runAsGroup and fsGroup by the configured group; drop 0 from supplementalGroups", ZH: "将 runAsGroup 与 fsGroup 中的组 0 替换为配置的组；从 supplementalGroups 中删除 0"}},
	Privileged: {Edits: fixPrivileged,
		Changes: catalog.Text{EN: "remove privileged: true", ZH: "删除 privileged: true"}},
	PrivilegeEscalation: {Edits: fixPrivilegeEscalation,
		Changes: catalog.Text{EN: "set allowPrivilegeEscalation: false on every container", ZH: "在每个容器上设置 allowPrivilegeEscalation: false"}},
	CapabilitiesNotDropped: {Edits: fixDropAll,
		Changes: catalog.Text{EN: "add ALL to capabilities.drop (allow-listed adds are kept)", ZH: "在 capabilities.drop 中加入 ALL（保留允许列表中的添加）"}},
	CapabilitiesAdded: {Edits: fixCapabilitiesAdded,
		Changes: catalog.Text{EN: "remove added capabilities outside allowedCapabilities", ZH: "删除 allowedCapabilities 之外添加的能力"}, NeedsReview: true},
	SeccompMissing: {Edits: fixSeccomp,
		Changes: catalog.Text{EN: "set seccompProfile.type: RuntimeDefault at pod level (and on containers that set another type)", ZH: "在 Pod 级别设置 seccompProfile.type: RuntimeDefault（容器设置了其他类型时也一并修改）"}},
	RootFilesystemWritable: {Edits: fixReadOnlyRoot,
		Changes:    catalog.Text{EN: "set readOnlyRootFilesystem: true", ZH: "设置 readOnlyRootFilesystem: true"},
		Companions: []catalog.Text{{EN: "an emptyDir mounted at /tmp and at each harden.workloads.writablePaths entry", ZH: "在 /tmp 及 harden.workloads.writablePaths 的每个路径挂载 emptyDir"}}},
	AppArmorUnconfined: {Manual: &catalog.Text{EN: "choose the AppArmor profile the app needs (RuntimeDefault or a Localhost profile loaded on every node): kubeward cannot know whether the app works confined", ZH: "选择应用所需的 AppArmor 配置（RuntimeDefault 或已加载到每个节点的 Localhost 配置）：kubeward 无法判断应用受限后能否运行"}},
	SELinuxEscalating:  {Manual: &catalog.Text{EN: "choose the SELinux type the app needs: which label works depends on the node's policy", ZH: "选择应用所需的 SELinux 类型：可用的标签取决于节点的策略"}},
	SysctlInjection:    {Manual: &catalog.Text{EN: "rewrite the sysctl as one setting per entry: the intended values are not known", ZH: "将 sysctl 改写为每项一个设置：无法得知原本想要的取值"}},

	RuntimeSocketMounted: {Edits: fixHostPathVolumes(true), NeedsReview: true,
		Changes: catalog.Text{EN: "remove the volume that mounts the runtime socket and its mounts (review: the app may need it)", ZH: "删除挂载运行时套接字的卷及其挂载点（需评审：应用可能依赖它）"}},
	SensitiveHostPath: {Edits: fixHostPathVolumes(false), NeedsReview: true,
		Changes: catalog.Text{EN: "remove the sensitive hostPath volume and its mounts (review: the app may need it)", ZH: "删除敏感 hostPath 卷及其挂载点（需评审：应用可能依赖它）"}},
	HostNetwork: {Edits: fixRemovePodField("hostNetwork", func(s *corev1.PodSpec) bool { return s.HostNetwork }),
		Changes: catalog.Text{EN: "remove hostNetwork: true", ZH: "删除 hostNetwork: true"}},
	HostPID: {Edits: fixRemovePodField("hostPID", func(s *corev1.PodSpec) bool { return s.HostPID }),
		Changes: catalog.Text{EN: "remove hostPID: true", ZH: "删除 hostPID: true"}},
	HostIPC: {Edits: fixRemovePodField("hostIPC", func(s *corev1.PodSpec) bool { return s.HostIPC }),
		Changes: catalog.Text{EN: "remove hostIPC: true", ZH: "删除 hostIPC: true"}},
	HostPort: {Edits: fixHostPorts,
		Changes: catalog.Text{EN: "remove hostPort from container ports (reach the app through a Service)", ZH: "删除容器端口上的 hostPort（通过 Service 访问应用）"}},
	ControlPlanePlacement: {Manual: &catalog.Text{EN: "remove the control-plane toleration or node selector once you know the workload need not run there", ZH: "确认工作负载无需运行在控制平面节点后，删除对应的容忍或节点选择器"}},

	DefaultServiceAccount: {Edits: fixDefaultServiceAccount,
		Changes:    catalog.Text{EN: "set serviceAccountName to a dedicated ServiceAccount named after the workload", ZH: "将 serviceAccountName 设为以工作负载命名的专用 ServiceAccount"},
		Companions: []catalog.Text{{EN: "a new ServiceAccount with automountServiceAccountToken: false", ZH: "新建 ServiceAccount，设置 automountServiceAccountToken: false"}}},
	TokenAutomounted: {Edits: fixPodAutomount,
		Changes: catalog.Text{EN: "set automountServiceAccountToken: false on the pod", ZH: "在 Pod 上设置 automountServiceAccountToken: false"}},
	AccountAutomounts: {Edits: fixAccountAutomount,
		Changes: catalog.Text{EN: "set automountServiceAccountToken: false on the ServiceAccount", ZH: "在 ServiceAccount 上设置 automountServiceAccountToken: false"}},

	RequestsMissing: {Edits: fixResources(false),
		Changes: catalog.Text{EN: "add the missing CPU and memory requests (harden.workloads.requests)", ZH: "补充缺失的 CPU 与内存请求（harden.workloads.requests）"}},
	LimitsMissing: {Edits: fixResources(true),
		Changes: catalog.Text{EN: "add the missing CPU and memory limits (harden.workloads.limits, never below the request)", ZH: "补充缺失的 CPU 与内存限制（harden.workloads.limits，不低于请求值）"}},
	ReplicasNotSpread: {Edits: fixSpread,
		Changes: catalog.Text{EN: "add a topologySpreadConstraint over kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) selecting the pod template's labels", ZH: "添加按 kubernetes.io/hostname 分布的 topologySpreadConstraint（maxSkew 1，ScheduleAnyway），选择 Pod 模板的标签"}},
	SystemWithoutPriority: {Edits: fixPriority,
		Changes: catalog.Text{EN: "set priorityClassName (harden.workloads.priorityClassName, default system-cluster-critical)", ZH: "设置 priorityClassName（harden.workloads.priorityClassName，默认 system-cluster-critical）"}},

	ImageUntrustedRegistry: {Manual: &catalog.Text{EN: "pick a trusted mirror that holds the image and point the image at it: kubeward does not know which registry copies it", ZH: "选择保存该镜像的可信镜像仓库并改用它：kubeward 无法得知哪个仓库有此镜像"}},
	ImageNotPinned:         {Manual: &catalog.Text{EN: "pin the image by the digest you have verified (crane digest IMAGE): kubeward does not look digests up, so it cannot guess one", ZH: "使用已验证的摘要固定镜像（crane digest IMAGE）：kubeward 不查询摘要，无法猜测"}},
	ImageLatestTag:         {Manual: &catalog.Text{EN: "pick the released version to run: kubeward cannot know which tag the app was tested with", ZH: "选择要运行的发布版本：kubeward 无法得知应用在哪个标签上测试过"}},
}

// ctrPath is the field path of a container, selected by name.
func ctrPath(w *inventory.Workload, c inventory.Container) string {
	return w.SpecPath + "." + check.Sel(c.List, "name", c.Name)
}

func podSC(w *inventory.Workload) string { return w.SpecPath + ".securityContext" }

func isTrue(b *bool) bool            { return b != nil && *b }
func isFalse(b *bool) bool           { return b != nil && !*b }
func isZero(i *int64) bool           { return i != nil && *i == 0 }
func set(p string, v any) check.Edit { return check.Edit{Op: check.Set, Path: p, Value: v} }
func remove(p string) check.Edit     { return check.Edit{Op: check.Remove, Path: p} }

func fixRunAsRoot(env *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	h := env.Config.Harden.Workloads
	var out []check.Edit
	failing := false
	for _, c := range w.Containers() {
		sc := w.EffectiveSecurityContext(c)
		ok := !isZero(sc.RunAsUser) && (isTrue(sc.RunAsNonRoot) || sc.RunAsUser != nil)
		if ok {
			continue
		}
		failing = true
		if cs := c.SecurityContext; cs != nil {
			if isZero(cs.RunAsUser) {
				out = append(out, set(ctrPath(w, c)+".securityContext.runAsUser", h.User()))
			}
			if isFalse(cs.RunAsNonRoot) {
				out = append(out, set(ctrPath(w, c)+".securityContext.runAsNonRoot", true))
			}
		}
	}
	if !failing {
		return nil
	}
	p := w.Spec.SecurityContext
	if p == nil {
		p = &corev1.PodSecurityContext{}
	}
	if !isTrue(p.RunAsNonRoot) {
		out = append(out, set(podSC(w)+".runAsNonRoot", true))
	}
	if p.RunAsUser == nil || *p.RunAsUser == 0 {
		out = append(out, set(podSC(w)+".runAsUser", h.User()))
	}
	if p.RunAsGroup == nil || *p.RunAsGroup == 0 {
		e := set(podSC(w)+".runAsGroup", h.Group())
		e.Companion = true
		out = append(out, e)
	}
	return out
}

func fixRootGroup(env *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	g := env.Config.Harden.Workloads.Group()
	var out []check.Edit
	for _, c := range w.Containers() {
		if cs := c.SecurityContext; cs != nil && isZero(cs.RunAsGroup) {
			out = append(out, set(ctrPath(w, c)+".securityContext.runAsGroup", g))
		}
	}
	if p := w.Spec.SecurityContext; p != nil {
		if isZero(p.RunAsGroup) {
			out = append(out, set(podSC(w)+".runAsGroup", g))
		}
		if isZero(p.FSGroup) {
			out = append(out, set(podSC(w)+".fsGroup", g))
		}
		if slices.Contains(p.SupplementalGroups, 0) {
			var keep []any
			for _, s := range p.SupplementalGroups {
				if s != 0 {
					keep = append(keep, s)
				}
			}
			if len(keep) == 0 {
				out = append(out, remove(podSC(w)+".supplementalGroups"))
			} else {
				out = append(out, set(podSC(w)+".supplementalGroups", keep))
			}
		}
	}
	return out
}

func fixPrivileged(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	var out []check.Edit
	for _, c := range w.Containers() {
		if cs := c.SecurityContext; cs != nil && isTrue(cs.Privileged) {
			out = append(out, remove(ctrPath(w, c)+".securityContext.privileged"))
		}
	}
	return out
}

func fixPrivilegeEscalation(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	var out []check.Edit
	for _, c := range w.Containers() {
		if cs := c.SecurityContext; cs == nil || !isFalse(cs.AllowPrivilegeEscalation) {
			out = append(out, set(ctrPath(w, c)+".securityContext.allowPrivilegeEscalation", false))
		}
	}
	return out
}

func fixDropAll(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if isWindows(w.Spec) {
		return nil
	}
	var out []check.Edit
	for _, c := range w.Containers() {
		var drop []corev1.Capability
		if cs := c.SecurityContext; cs != nil && cs.Capabilities != nil {
			drop = cs.Capabilities.Drop
		}
		if !slices.ContainsFunc(drop, func(d corev1.Capability) bool { return normalizeCap(d) == "ALL" }) {
			out = append(out, check.Edit{Op: check.Append, Path: ctrPath(w, c) + ".securityContext.capabilities.drop", Value: "ALL"})
		}
	}
	return out
}

func fixCapabilitiesAdded(env *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if isWindows(w.Spec) {
		return nil
	}
	var out []check.Edit
	for _, c := range w.Containers() {
		cs := c.SecurityContext
		if cs == nil || cs.Capabilities == nil || len(cs.Capabilities.Add) == 0 {
			continue
		}
		var keep []any
		for _, a := range cs.Capabilities.Add {
			n := normalizeCap(a)
			if slices.ContainsFunc(env.Config.AllowedCapabilities, func(ok string) bool { return normalizeCap(corev1.Capability(ok)) == n }) {
				keep = append(keep, string(a))
			}
		}
		if len(keep) == len(cs.Capabilities.Add) {
			continue
		}
		p := ctrPath(w, c) + ".securityContext.capabilities.add"
		e := remove(p)
		if len(keep) > 0 {
			e = set(p, keep)
		}
		e.Review = true
		out = append(out, e)
	}
	return out
}

func seccompOK(p *corev1.SeccompProfile) bool {
	return p != nil && (p.Type == corev1.SeccompProfileTypeRuntimeDefault || p.Type == corev1.SeccompProfileTypeLocalhost)
}

func fixSeccomp(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if isWindows(w.Spec) {
		return nil
	}
	var out []check.Edit
	if p := w.Spec.SecurityContext; p == nil || !seccompOK(p.SeccompProfile) {
		out = append(out, set(podSC(w)+".seccompProfile.type", "RuntimeDefault"))
		if p != nil && p.SeccompProfile != nil && p.SeccompProfile.LocalhostProfile != nil {
			out = append(out, remove(podSC(w)+".seccompProfile.localhostProfile"))
		}
	}
	for _, c := range w.Containers() {
		if cs := c.SecurityContext; cs != nil && cs.SeccompProfile != nil && !seccompOK(cs.SeccompProfile) {
			out = append(out, set(ctrPath(w, c)+".securityContext.seccompProfile.type", "RuntimeDefault"))
		}
	}
	return out
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// writableVolume names the emptyDir of a writable path: kubeward-tmp for /tmp.
func writableVolume(p string) string {
	n := strings.Trim(nonName.ReplaceAllString(strings.ToLower(p), "-"), "-")
	if n == "" {
		n = "root"
	}
	n = "kubeward-" + n
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}

func fixReadOnlyRoot(env *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if isWindows(w.Spec) {
		return nil
	}
	var out []check.Edit
	volumes := map[string]bool{}
	for _, v := range w.Spec.Volumes {
		volumes[v.Name] = true
	}
	for _, c := range w.Containers() {
		if cs := c.SecurityContext; cs != nil && isTrue(cs.ReadOnlyRootFilesystem) {
			continue
		}
		out = append(out, set(ctrPath(w, c)+".securityContext.readOnlyRootFilesystem", true))
		for _, p := range env.Config.Harden.Workloads.Writable() {
			if slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == p }) {
				continue
			}
			name := writableVolume(p)
			out = append(out, check.Edit{Op: check.Append, Path: ctrPath(w, c) + ".volumeMounts", Companion: true,
				Value: map[string]any{"name": name, "mountPath": p}})
			if !volumes[name] {
				volumes[name] = true
				out = append(out, check.Edit{Op: check.Append, Path: w.SpecPath + ".volumes", Companion: true,
					Value: map[string]any{"name": name, "emptyDir": map[string]any{}}})
			}
		}
	}
	return out
}

func fixHostPathVolumes(socket bool) func(*check.Env, *check.Target) []check.Edit {
	return func(_ *check.Env, t *check.Target) []check.Edit {
		w := t.Workload
		var out []check.Edit
		for _, v := range w.Spec.Volumes {
			if v.HostPath == nil {
				continue
			}
			_, sock := runtimeSocketMounted(v.HostPath.Path)
			if (socket && !sock) || (!socket && !sensitivePath(v.HostPath.Path)) {
				continue
			}
			out = append(out, check.Edit{Op: check.Remove, Path: w.SpecPath + "." + check.Sel("volumes", "name", v.Name), Review: true})
			for _, c := range w.Containers() {
				for _, m := range c.VolumeMounts {
					if m.Name == v.Name {
						out = append(out, check.Edit{Op: check.Remove, Path: ctrPath(w, c) + "." + check.Sel("volumeMounts", "mountPath", m.MountPath), Review: true})
					}
				}
			}
		}
		return out
	}
}

func fixRemovePodField(field string, on func(*corev1.PodSpec) bool) func(*check.Env, *check.Target) []check.Edit {
	return func(_ *check.Env, t *check.Target) []check.Edit {
		if !on(t.Workload.Spec) {
			return nil
		}
		return []check.Edit{remove(t.Workload.SpecPath + "." + field)}
	}
}

func fixHostPorts(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	var out []check.Edit
	for _, c := range w.Containers() {
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				out = append(out, remove(ctrPath(w, c)+"."+check.Sel("ports", "containerPort", strconv.Itoa(int(p.ContainerPort)))+".hostPort"))
			}
		}
	}
	return out
}

func fixDefaultServiceAccount(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if check.ServiceAccountName(w.Spec) != "default" || t.Name == "" {
		return nil
	}
	out := []check.Edit{set(w.SpecPath+".serviceAccountName", t.Name)}
	if w.Spec.DeprecatedServiceAccount != "" {
		out = append(out, remove(w.SpecPath+".serviceAccount"))
	}
	meta := map[string]any{"name": t.Name}
	if t.Namespace != "" {
		meta["namespace"] = t.Namespace
	}
	return append(out, check.Edit{Op: check.Create, Companion: true, Value: map[string]any{
		"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta, "automountServiceAccountToken": false,
	}})
}

func fixPodAutomount(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if w == nil || isFalse(w.Spec.AutomountServiceAccountToken) {
		return nil
	}
	return []check.Edit{set(w.SpecPath+".automountServiceAccountToken", false)}
}

func fixAccountAutomount(_ *check.Env, t *check.Target) []check.Edit {
	sa, ok := t.Typed.(*corev1.ServiceAccount)
	if !ok || isFalse(sa.AutomountServiceAccountToken) {
		return nil
	}
	return []check.Edit{set("automountServiceAccountToken", false)}
}

func fixResources(limits bool) func(*check.Env, *check.Target) []check.Edit {
	return func(env *check.Env, t *check.Target) []check.Edit {
		w := t.Workload
		h := env.Config.Harden.Workloads
		field, defaults := "requests", h.DefaultRequests()
		if limits {
			field, defaults = "limits", h.DefaultLimits()
		}
		var out []check.Edit
		for _, c := range w.Containers() {
			if c.List == "ephemeralContainers" {
				continue // the API refuses resources on ephemeral containers
			}
			have, other := c.Resources.Requests, c.Resources.Limits
			if limits {
				have, other = other, have
			}
			for _, k := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := have[k]; ok {
					continue
				}
				v := resource.MustParse(defaults[string(k)])
				// A request above its limit is invalid: never write one.
				if o, ok := other[k]; ok && ((limits && o.Cmp(v) > 0) || (!limits && o.Cmp(v) < 0)) {
					v = o
				}
				out = append(out, set(ctrPath(w, c)+".resources."+field+"."+string(k), v.String()))
			}
		}
		return out
	}
}

func fixSpread(_ *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if w.Replicas == nil || *w.Replicas <= 1 || SpreadsOverNodes(w.Spec) {
		return nil
	}
	// The constraint counts the workload's own pods: its selector's labels,
	// else its template's. Without either it would count nothing, so no
	// fix is written rather than one that only silences the check.
	sel := selectorLabels(t.Typed) // stable: a template label such as a version changes on upgrade
	if len(sel) == 0 {
		sel = w.Meta.Labels
	}
	if len(sel) == 0 {
		return nil
	}
	labels := map[string]any{}
	for k, v := range sel {
		labels[k] = v
	}
	return []check.Edit{{Op: check.Append, Path: w.SpecPath + ".topologySpreadConstraints", Value: map[string]any{
		"maxSkew": int64(1), "topologyKey": HostnameKey, "whenUnsatisfiable": "ScheduleAnyway",
		"labelSelector": map[string]any{"matchLabels": labels},
	}}}
}

func fixPriority(env *check.Env, t *check.Target) []check.Edit {
	w := t.Workload
	if w.Spec.PriorityClassName != "" || !isSystemWorkload(env, t.Namespace) {
		return nil
	}
	return []check.Edit{set(w.SpecPath+".priorityClassName", env.Config.Harden.Workloads.Priority())}
}

func selectorLabels(typed any) map[string]string {
	var s *metav1.LabelSelector
	switch d := typed.(type) {
	case *appsv1.Deployment:
		s = d.Spec.Selector
	case *appsv1.StatefulSet:
		s = d.Spec.Selector
	case *appsv1.ReplicaSet:
		s = d.Spec.Selector
	case *corev1.ReplicationController:
		return d.Spec.Selector
	}
	if s == nil {
		return nil
	}
	return s.MatchLabels
}
