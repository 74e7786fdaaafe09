package vap

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeward/kubeward/internal/check/rbac"
	"github.com/kubeward/kubeward/internal/check/workload"
)

// target is the kind of object a policy admits.
type target int

const (
	targetPod       target = iota + 1 // Pods and the kinds that carry a pod template
	targetRole                        // Roles and ClusterRoles
	targetBinding                     // RoleBindings and ClusterRoleBindings
	targetNamespace                   // Namespaces
	targetSecret                      // Secrets
)

// rule is one catalogue check written in CEL.
type rule struct {
	id     string
	target target
	// list is the container list the predicate runs over (a variable
	// name: allContainers or regularContainers); empty for object-level rules.
	list string
	// ok is the CEL predicate that holds when the check passes: over the
	// container c when list is set, else over the whole object.
	ok func(o *Options) string
	// enabled reports whether the options allow the rule (e.g. trusted
	// registries configured); nil means always.
	enabled func(o *Options) bool
}

// celString quotes s as a CEL string literal.
func celString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// celList renders a list of string literals.
func celList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = celString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// effective combines the container's and the pod's securityContext field
// the way the kubelet does: the container's value wins, then the pod's.
// test formats the check of a set value (%[1]s is the value); unset is the
// result when neither sets it.
func effective(field, test, unset string) string {
	ctr := "c.securityContext." + field
	pod := "variables.podSecurityContext." + field
	return fmt.Sprintf("((has(c.securityContext) && has(%s)) ? (%s) : (has(%s) ? (%s) : %s))",
		ctr, fmt.Sprintf(test, ctr), pod, fmt.Sprintf(test, pod), unset)
}

// ctrField guards a container-only securityContext field: test when set, unset otherwise.
func ctrField(field, test, unset string) string {
	v := "c.securityContext." + field
	return fmt.Sprintf("((has(c.securityContext) && has(%s)) ? (%s) : %s)", v, fmt.Sprintf(test, v), unset)
}

// normCap is the CEL form of workload.normalizeCap: upper case without CAP_.
func normCap(v string) string {
	return fmt.Sprintf("(%[1]s.upperAscii().startsWith('CAP_') ? %[1]s.upperAscii().substring(4) : %[1]s.upperAscii())", v)
}

// imageName is the CEL form of reference.ParseNormalizedNamed(i).Name():
// the repository without tag or digest, with docker.io and library/ added.
func imageName(i string) string {
	// Strip the digest, then a tag (a colon after the last slash).
	noDigest := fmt.Sprintf("%s.split('@')[0]", i)
	noTag := fmt.Sprintf("(%[1]s.lastIndexOf(':') > %[1]s.lastIndexOf('/') ? %[1]s.substring(0, %[1]s.lastIndexOf(':')) : %[1]s)", "n")
	first := "n.split('/')[0]"
	hasDomain := fmt.Sprintf("(n.contains('/') && (%[1]s.contains('.') || %[1]s.contains(':') || %[1]s == 'localhost'))", first)
	// docker.io (or index.docker.io) with a single path component gets library/.
	dockerHub := fmt.Sprintf("(%[1]s == 'docker.io' || %[1]s == 'index.docker.io')", first)
	rest := "n.substring(n.indexOf('/') + 1)"
	normalized := fmt.Sprintf("(%s ? (%s ? ('docker.io/' + (%s.contains('/') ? %s : 'library/' + %s)) : n) : ('docker.io/' + (n.contains('/') ? n : 'library/' + n)))",
		hasDomain, dockerHub, rest, rest, rest)
	return fmt.Sprintf("[%s].map(n, %s).map(n, %s)[0]", noDigest, noTag, normalized)
}

// imageTag is the tag of image i, or the empty string when it has none.
func imageTag(i string) string {
	n := fmt.Sprintf("%s.split('@')[0]", i)
	return fmt.Sprintf("[%s].map(n, n.lastIndexOf(':') > n.lastIndexOf('/') ? n.substring(n.lastIndexOf(':') + 1) : '')[0]", n)
}

// hostPathOK is the predicate over a volume v that the hostPath check
// passes. Paths that are not in clean form ("//", "/./", "/../", a
// trailing "/." or "/..") are refused: CEL cannot clean them.
func hostPathOK(v, test string) string {
	p := v + ".hostPath.path"
	clean := fmt.Sprintf("(%[1]s.size() > 1 && %[1]s.endsWith('/') ? %[1]s.substring(0, %[1]s.size() - 1) : %[1]s)", p)
	unclean := fmt.Sprintf("%s.matches('//|/\\\\./|/\\\\.\\\\./|/\\\\.\\\\.?$')", p)
	return fmt.Sprintf("!has(%s.hostPath) || (!%s && [%s].all(p, %s))", v, unclean, clean, test)
}

// runtimeSockets mirror workload.RuntimeSockets.
var runtimeSockets = []string{
	"/var/run/docker.sock", "/run/docker.sock",
	"/run/containerd/containerd.sock", "/var/run/containerd/containerd.sock",
	"/run/crio/crio.sock", "/var/run/crio/crio.sock",
	"/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
	"/run/podman/podman.sock", "/var/run/dockershim.sock",
}

// sensitiveHostPaths mirror the workload check's list.
var sensitiveHostPaths = []string{
	"/", "/etc", "/proc", "/sys", "/dev", "/boot", "/root", "/home", "/var/lib/kubelet",
	"/var/lib/etcd", "/etc/kubernetes", "/var/lib/docker", "/var/lib/containerd", "/run/containerd", "/var/run/secrets",
}

var allowedSELinuxTypes = []string{"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

// allows is the CEL form of rbac.GrantsAny for a rule r: any of verbs on
// any of resources in group, on every object — or, when named, also on
// named objects only — with resourceNames matched as the authorizer does
// (effective.RuleGrants): a rule with resourceNames grants a request that
// carries no name (create on a top-level resource, deletecollection, an
// unfiltered list or watch) only if it lists "", and one that carries a
// name (every other request) only for the non-empty names it lists.
func allows(group string, resources, verbs []string, named bool) string {
	var perResource []string
	for _, res := range resources {
		match := "x == '*' || x == " + celString(res)
		_, sub, isSub := strings.Cut(res, "/")
		if isSub {
			match += " || x == " + celString("*/"+sub)
		}
		var nameless, withName []string
		for _, v := range verbs {
			if v == "list" || v == "watch" || v == "deletecollection" || (v == "create" && !isSub) {
				nameless = append(nameless, v)
			}
			if v != "deletecollection" && (v != "create" || isSub) {
				withName = append(withName, v)
			}
		}
		names := []string{"!has(r.resourceNames) || size(r.resourceNames) == 0"}
		if len(nameless) > 0 {
			names = append(names, fmt.Sprintf("(r.resourceNames.exists(n, n == '') && r.verbs.exists(v, v == '*' || v in %s))", celList(nameless)))
		}
		if named && len(withName) > 0 {
			names = append(names, fmt.Sprintf("(r.resourceNames.exists(n, n != '') && r.verbs.exists(v, v == '*' || v in %s))", celList(withName)))
		}
		perResource = append(perResource, fmt.Sprintf("(r.resources.exists(x, %s) && (%s))", match, strings.Join(names, " || ")))
	}
	return fmt.Sprintf("(has(r.apiGroups) && r.apiGroups.exists(g, g == '*' || g == %s) && has(r.verbs) && r.verbs.exists(v, v == '*' || v in %s) && has(r.resources) && (%s))",
		celString(group), celList(verbs), strings.Join(perResource, " || "))
}

func noRule(pred string) string { return "!variables.rules.exists(r, " + pred + ")" }

func constant(s string) func(*Options) string { return func(*Options) string { return s } }

// rules are the checks exported as policies, in catalogue order of IDs.
func rules() []rule {
	rs := []rule{
		{id: "KW-POD-001", target: targetPod, list: "allContainers", ok: constant(
			effective("runAsUser", "%s != 0", effective("runAsNonRoot", "%s == true", "false")))},
		{id: "KW-POD-002", target: targetPod, list: "allContainers", ok: constant(
			ctrField("privileged", "%s != true", "true"))},
		// A privileged container always escalates: it is denied by
		// KW-POD-002 (critical), not reported twice.
		{id: "KW-POD-003", target: targetPod, list: "allContainers", ok: constant(
			ctrField("privileged", "%s == true", "false") + " || " + ctrField("allowPrivilegeEscalation", "%s == false", "false"))},
		{id: "KW-POD-004", target: targetPod, list: "allContainers", ok: constant(
			ctrField("capabilities", "has(%[1]s.drop) && %[1]s.drop.exists(d, "+normCap("d")+" == 'ALL')", "false"))},
		{id: "KW-POD-005", target: targetPod, list: "allContainers", ok: func(o *Options) string {
			allowed := make([]string, len(o.AllowedCapabilities))
			for i, a := range o.AllowedCapabilities {
				allowed[i] = strings.TrimPrefix(strings.ToUpper(a), "CAP_")
			}
			return ctrField("capabilities", "!has(%[1]s.add) || %[1]s.add.all(a, "+normCap("a")+" in "+celList(allowed)+")", "true")
		}},
		{id: "KW-POD-006", target: targetPod, list: "allContainers", ok: constant(
			effective("seccompProfile", "has(%[1]s.type) && %[1]s.type in ['RuntimeDefault', 'Localhost']", "false"))},
		{id: "KW-POD-007", target: targetPod, list: "allContainers", ok: constant(
			// Container field, then the legacy annotation, then the pod field
			// (the kubelet's apparmor.GetProfile).
			"((has(c.securityContext) && has(c.securityContext.appArmorProfile)) ? c.securityContext.appArmorProfile.type != 'Unconfined' : " +
				"(('container.apparmor.security.beta.kubernetes.io/' + c.name) in variables.annotations ? " +
				"[variables.annotations['container.apparmor.security.beta.kubernetes.io/' + c.name]].all(a, a == 'runtime/default' || (a.startsWith('localhost/') && a.size() > 10)) : " +
				"!(has(variables.podSecurityContext.appArmorProfile) && variables.podSecurityContext.appArmorProfile.type == 'Unconfined')))")},
		{id: "KW-POD-008", target: targetPod, list: "allContainers", ok: constant(
			effective("seLinuxOptions", "(!has(%[1]s.user) || %[1]s.user == '') && (!has(%[1]s.role) || %[1]s.role == '') && (!has(%[1]s.type) || %[1]s.type in "+celList(allowedSELinuxTypes)+")", "true"))},
		{id: "KW-POD-009", target: targetPod, list: "allContainers", ok: constant(
			ctrField("readOnlyRootFilesystem", "%s == true", "false"))},
		{id: workload.RootGroup, target: targetPod, list: "allContainers", ok: constant(
			effective("runAsGroup", "%s != 0", "true") +
				" && !(has(variables.podSecurityContext.fsGroup) && variables.podSecurityContext.fsGroup == 0)" +
				" && !(has(variables.podSecurityContext.supplementalGroups) && variables.podSecurityContext.supplementalGroups.exists(g, g == 0))")},
		{id: workload.SysctlInjection, target: targetPod, ok: constant(
			"!has(variables.podSecurityContext.sysctls) || variables.podSecurityContext.sysctls.all(s, !has(s.value) || (!s.value.contains('+') && !s.value.contains('=')))")},
		{id: workload.ControlPlanePlacement, target: targetPod, ok: func(o *Options) string {
			cp := celList(workload.ControlPlaneRoleLabels)
			ps := "variables.podSpec"
			na := ps + ".affinity.nodeAffinity"
			term := "has(%[1]s.matchExpressions) && %[1]s.matchExpressions.exists(r, r.key in " + cp + " && r.operator in ['In', 'Exists'])"
			tolerates := "(!has(t.effect) || t.effect == '' || t.effect == 'NoSchedule') && " +
				"((!has(t.key) || t.key == '') ? (has(t.operator) && t.operator == 'Exists') : " +
				"(t.key in " + cp + " && ((has(t.operator) && t.operator == 'Exists') || !has(t.value) || t.value == '')))"
			// DaemonSets are a WARN in the scan (per-node agents): not denied.
			return fmt.Sprintf("request.kind.kind == 'DaemonSet' || request.namespace in %s || ("+
				"(!has(%[2]s.tolerations) || !%[2]s.tolerations.exists(t, %[3]s)) && "+
				"(!has(%[2]s.nodeSelector) || !%[4]s.exists(k, k in %[2]s.nodeSelector)) && "+
				"!(has(%[2]s.affinity) && has(%[2]s.affinity.nodeAffinity) && ("+
				"(has(%[5]s.requiredDuringSchedulingIgnoredDuringExecution) && has(%[5]s.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms) && %[5]s.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.exists(term, %[6]s)) || "+
				"(has(%[5]s.preferredDuringSchedulingIgnoredDuringExecution) && %[5]s.preferredDuringSchedulingIgnoredDuringExecution.exists(p, %[7]s)))))",
				celList(o.SystemNamespaces), ps, tolerates, cp, na, fmt.Sprintf(term, "term"), fmt.Sprintf(term, "p.preference"))
		}},
		{id: "KW-HOST-001", target: targetPod, ok: constant(
			"!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, " +
				hostPathOK("v", "p != '/' && !"+celList(runtimeSockets)+".exists(s, p == s || s.startsWith(p + '/'))") + ")")},
		{id: "KW-HOST-002", target: targetPod, ok: constant(
			"!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, " +
				hostPathOK("v", "!"+celList(sensitiveHostPaths)+".exists(s, p == s || (s != '/' && p.startsWith(s + '/')))") + ")")},
		{id: "KW-HOST-003", target: targetPod, ok: constant("!has(variables.podSpec.hostNetwork) || variables.podSpec.hostNetwork != true")},
		{id: "KW-HOST-004", target: targetPod, ok: constant("!has(variables.podSpec.hostPID) || variables.podSpec.hostPID != true")},
		{id: "KW-HOST-005", target: targetPod, ok: constant("!has(variables.podSpec.hostIPC) || variables.podSpec.hostIPC != true")},
		{id: "KW-HOST-006", target: targetPod, list: "allContainers", ok: constant(
			"!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)")},
		{id: "KW-IMG-001", target: targetPod, list: "allContainers",
			enabled: func(o *Options) bool { return len(o.TrustedRegistries) > 0 },
			ok: func(o *Options) string {
				trusted := make([]string, len(o.TrustedRegistries))
				for i, t := range o.TrustedRegistries {
					trusted[i] = strings.TrimSuffix(strings.TrimSpace(t), "/")
				}
				return fmt.Sprintf("[%s].all(n, %s.exists(t, n == t || n.startsWith(t + '/')))", imageName("c.image"), celList(trusted))
			}},
		{id: "KW-IMG-002", target: targetPod, list: "allContainers", ok: constant("c.image.contains('@')")},
		{id: "KW-IMG-003", target: targetPod, list: "allContainers", ok: constant(
			fmt.Sprintf("[%s].all(t, t != 'latest' && (t != '' || c.image.contains('@')))", imageTag("c.image")))},
		{id: "KW-SA-001", target: targetPod, ok: constant(
			"(has(variables.podSpec.serviceAccountName) && variables.podSpec.serviceAccountName != '') ? variables.podSpec.serviceAccountName != 'default' : " +
				"(has(variables.podSpec.serviceAccount) && variables.podSpec.serviceAccount != '' && variables.podSpec.serviceAccount != 'default')")},
		{id: "KW-RES-001", target: targetPod, list: "regularContainers", ok: constant(
			"has(c.resources) && has(c.resources.requests) && 'cpu' in c.resources.requests && 'memory' in c.resources.requests")},
		{id: "KW-RES-002", target: targetPod, list: "regularContainers", ok: constant(
			"has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits && 'memory' in c.resources.limits")},
		// Spread over nodes: a constraint or an anti-affinity term on
		// kubernetes.io/hostname (zones or custom keys alone do not).
		{id: workload.ReplicasNotSpread, target: targetPod, ok: constant(
			"!(request.kind.kind in ['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'] && has(dyn(object).spec.replicas) && dyn(object).spec.replicas > 1) || " +
				"(has(variables.podSpec.topologySpreadConstraints) && variables.podSpec.topologySpreadConstraints.exists(c, c.topologyKey == " + celString(workload.HostnameKey) + ")) || " +
				"(has(variables.podSpec.affinity) && has(variables.podSpec.affinity.podAntiAffinity) && (" +
				"(has(variables.podSpec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution) && variables.podSpec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution.exists(a, has(a.topologyKey) && a.topologyKey == " + celString(workload.HostnameKey) + ")) || " +
				"(has(variables.podSpec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution) && variables.podSpec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.exists(a, has(a.podAffinityTerm.topologyKey) && a.podAffinityTerm.topologyKey == " + celString(workload.HostnameKey) + "))))")},

		{id: rbac.Wildcard, target: targetRole, ok: constant(noRule(
			"(has(r.verbs) && r.verbs.exists(v, v == '*')) || (has(r.resources) && r.resources.exists(x, x == '*')) || (has(r.apiGroups) && r.apiGroups.exists(g, g == '*'))"))},
		{id: rbac.EscalateBind, target: targetRole, ok: constant(noRule(
			allows("rbac.authorization.k8s.io", []string{"roles", "clusterroles"}, []string{"escalate", "bind"}, true) + " || " +
				allows("", []string{"users", "groups", "serviceaccounts", "uids"}, []string{"impersonate"}, true) + " || " +
				allows("authentication.k8s.io", []string{"userextras/scopes", "uids"}, []string{"impersonate"}, true)))},
		{id: rbac.CreateWorkloads, target: targetRole, ok: constant(noRule(
			allows("", []string{"pods", "replicationcontrollers"}, []string{"create"}, true) + " || " +
				allows("apps", []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, []string{"create"}, true) + " || " +
				allows("batch", []string{"jobs", "cronjobs"}, []string{"create"}, true)))},
		{id: rbac.ClusterAdmin, target: targetBinding, ok: constant(
			"!(object.roleRef.kind == 'ClusterRole' && object.roleRef.name == 'cluster-admin')")},
		{id: rbac.AnonymousBinding, target: targetBinding, ok: func(*Options) string {
			// The API server's own grants to everyone pass as it creates them.
			names := make([]string, 0, len(rbac.BootstrapPublicBindings))
			for n := range rbac.BootstrapPublicBindings {
				names = append(names, n)
			}
			slices.Sort(names)
			var entries []string
			for _, n := range names {
				entries = append(entries, celString(n)+": "+celList(rbac.BootstrapPublicBindings[n]))
			}
			bootstrap := "{" + strings.Join(entries, ", ") + "}"
			return fmt.Sprintf("!has(object.subjects) || !object.subjects.exists(s, ((s.kind == 'User' && s.name in %s) || (s.kind == 'Group' && s.name in %s)) && "+
				"!(request.kind.kind == 'ClusterRoleBinding' && object.metadata.name in %[3]s && object.roleRef.kind == 'ClusterRole' && object.roleRef.name == object.metadata.name && s.kind == 'Group' && s.name in %[3]s[object.metadata.name]))",
				celList(rbac.PublicUsers), celList(rbac.PublicGroups), bootstrap)
		}},
		{id: rbac.EndpointsToEdit, target: targetRole, ok: constant(
			"request.kind.kind != 'ClusterRole' || !(has(object.metadata.labels) && " + celList(rbac.AggregateLabels) + ".exists(l, l in object.metadata.labels && object.metadata.labels[l] == 'true')) || " +
				noRule(allows("", []string{"endpoints"}, []string{"create", "update", "patch"}, true)+" || "+allows("discovery.k8s.io", []string{"endpointslices"}, []string{"create", "update", "patch"}, true)))},
		{id: "KW-CL-012", target: targetSecret, ok: constant(
			"!((has(object.type) && object.type == 'kubernetes.io/service-account-token') || (has(object.metadata.annotations) && 'kubernetes.io/service-account.name' in object.metadata.annotations && object.metadata.annotations['kubernetes.io/service-account.name'] != ''))")},
		{id: rbac.DefaultSABinding, target: targetBinding, ok: constant(
			"!has(object.subjects) || !object.subjects.exists(s, s.kind == 'ServiceAccount' && s.name == 'default')")},
		{id: "KW-NS-006", target: targetNamespace, ok: func(o *Options) string {
			return fmt.Sprintf("object.metadata.name in %s || (has(object.metadata.labels) && 'pod-security.kubernetes.io/enforce' in object.metadata.labels && object.metadata.labels['pod-security.kubernetes.io/enforce'] in ['baseline', 'restricted'])",
				celList(o.SystemNamespaces))
		}},
	}
	for _, p := range rbac.Permissions {
		rs = append(rs, rule{id: p.ID, target: targetRole, ok: constant(noRule(allows(p.Group, p.Resources, p.Verbs, !p.NamedOK)))})
	}
	return rs
}
