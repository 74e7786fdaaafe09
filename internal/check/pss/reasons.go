package pss

import (
	"regexp"
	"strings"
)

// The upstream library (k8s.io/pod-security-admission/policy) explains a
// violation in English: a ForbiddenReason from a fixed set and a
// ForbiddenDetail built from a few sentence forms around identifiers
// (container and volume names, field paths, values). reasonZH and detailZH
// translate both by pattern; identifiers are kept as they are. A form not
// known here keeps its English text inside a Chinese frame, and
// TestEveryUpstreamReasonTranslated fails on it, so a library upgrade that
// adds a form is caught.

// reasonsZH are the ForbiddenReasons of the library's checks.
var reasonsZH = map[string]string{
	"privileged":                         "特权容器",
	"host namespaces":                    "宿主机命名空间",
	"hostPort":                           "宿主机端口",
	"hostPath volumes":                   "hostPath 卷",
	"allowPrivilegeEscalation != false":  "allowPrivilegeEscalation 不为 false",
	"unrestricted capabilities":          "未受限的能力",
	"non-default capabilities":           "超出默认集合的能力",
	"runAsNonRoot != true":               "runAsNonRoot 不为 true",
	"runAsUser=0":                        "runAsUser=0",
	"seccompProfile":                     "seccomp 配置",
	"restricted volume types":            "受限的卷类型",
	"procMount":                          "procMount（/proc 挂载类型）",
	"forbidden sysctls":                  "被禁止的 sysctl",
	"sysctls":                            "被禁止的 sysctl",
	"seLinuxOptions":                     "seLinuxOptions（SELinux 选项）",
	"forbidden AppArmor profile":         "被禁止的 AppArmor 配置",
	"forbidden AppArmor profiles":        "被禁止的 AppArmor 配置",
	"hostProcess":                        "Windows HostProcess",
	"windows hostProcess":                "Windows HostProcess",
	"probe or lifecycle host":            "探针或生命周期处理器的 host",
	"forbidden probe or lifecycle host":  "探针或生命周期处理器的 host",
	"forbidden probe or lifecycle hosts": "探针或生命周期处理器的 host",
}

// reasonZH translates a ForbiddenReason; ok is false for an unknown one,
// which is kept in English in a Chinese frame.
func reasonZH(reason string) (string, bool) {
	if zh, ok := reasonsZH[reason]; ok {
		return zh, true
	}
	return "上游原因 " + reason, false
}

// setter matches who sets a field: "pod", `container "a"`,
// `containers "a", "b"`, "annotation(s)", joined by " and ".
const setter = `(?:pod|annotations?|containers? "[^"]*"(?:, "[^"]*")*)(?: and (?:pod|annotations?|containers? "[^"]*"(?:, "[^"]*")*))*`

// names matches a joinQuote list: "a", "b".
const names = `("[^"]*"(?:, "[^"]*")*)`

type form struct {
	re *regexp.Regexp
	zh func(m []string) string
}

func f(pattern string, zh func(m []string) string) form {
	return form{regexp.MustCompile("^" + pattern + "$"), zh}
}

// forms are the sentences of ForbiddenDetail, one clause at a time
// (clauses are joined by "; ").
var forms = []form{
	f(`containers? `+names+` must set securityContext\.allowPrivilegeEscalation=false`,
		func(m []string) string {
			return "容器 " + m[1] + " 必须设置 securityContext.allowPrivilegeEscalation=false"
		}),
	f(`containers? `+names+` must not include `+names+` in securityContext\.capabilities\.add`,
		func(m []string) string {
			return "容器 " + m[1] + " 不得在 securityContext.capabilities.add 中包含 " + m[2]
		}),
	f(`containers? `+names+` must set securityContext\.capabilities\.drop=\["ALL"\]`,
		func(m []string) string {
			return "容器 " + m[1] + ` 必须设置 securityContext.capabilities.drop=["ALL"]`
		}),
	f(`containers? `+names+` uses? hostPorts? (.*)`,
		func(m []string) string { return "容器 " + m[1] + " 使用了宿主机端口 " + m[2] }),
	f(`containers? `+names+` uses? probe or lifecycle hosts? (.*)`,
		func(m []string) string {
			return "容器 " + m[1] + " 的探针或生命周期处理器指向主机 " + m[2]
		}),
	f(`containers? `+names+` must not set securityContext\.privileged=true`,
		func(m []string) string { return "容器 " + m[1] + " 不得设置 securityContext.privileged=true" }),
	f(`containers? `+names+` must not set securityContext\.procMount to (.*)`,
		func(m []string) string {
			return "容器 " + m[1] + " 不得将 securityContext.procMount 设置为 " + m[2]
		}),
	f(`volumes? `+names+` uses? restricted volume types? (.*)`,
		func(m []string) string { return "卷 " + m[1] + " 使用了受限的卷类型 " + m[2] }),
	f(`volumes? `+names,
		func(m []string) string { return "卷 " + m[1] }),
	f(`pod or containers? `+names+` must set securityContext\.runAsNonRoot=true`,
		func(m []string) string {
			return "Pod 或容器 " + m[1] + " 必须设置 securityContext.runAsNonRoot=true"
		}),
	f(`pod or containers? `+names+` must set securityContext\.seccompProfile\.type to (.*) or (.*)`,
		func(m []string) string {
			return "Pod 或容器 " + m[1] + " 必须将 securityContext.seccompProfile.type 设置为 " + m[2] + " 或 " + m[3]
		}),
	f(`(`+setter+`) must not set securityContext\.runAsNonRoot=false`,
		func(m []string) string { return setterZH(m[1]) + " 不得设置 securityContext.runAsNonRoot=false" }),
	f(`(`+setter+`) must not set runAsUser=0`,
		func(m []string) string { return setterZH(m[1]) + " 不得设置 runAsUser=0" }),
	f(`(`+setter+`) must not set securityContext\.seccompProfile\.type to (.*)`,
		func(m []string) string {
			return setterZH(m[1]) + " 不得将 securityContext.seccompProfile.type 设置为 " + m[2]
		}),
	f(`(`+setter+`) must not set AppArmor profile type to (.*)`,
		func(m []string) string { return setterZH(m[1]) + " 不得将 AppArmor 配置类型设置为 " + m[2] }),
	f(`(`+setter+`) must not set securityContext\.windowsOptions\.hostProcess=true`,
		func(m []string) string {
			return setterZH(m[1]) + " 不得设置 securityContext.windowsOptions.hostProcess=true"
		}),
	f(`(`+setter+`) set forbidden securityContext\.seLinuxOptions: types? (.*)`,
		func(m []string) string {
			return setterZH(m[1]) + " 设置了被禁止的 securityContext.seLinuxOptions：type " + m[2]
		}),
	f(`(`+setter+`) set forbidden securityContext\.seLinuxOptions: (user|role) may not be set`,
		func(m []string) string {
			return setterZH(m[1]) + " 设置了被禁止的 securityContext.seLinuxOptions：不得设置 " + m[2]
		}),
	// The seLinuxOptions detail joins its parts with "; " too.
	f(`(user|role) may not be set`,
		func(m []string) string { return "不得设置 " + m[1] }),
	f(`forbidden annotations? (.*)`,
		func(m []string) string { return "被禁止的注解 " + m[1] }),
	// hostNamespaces (hostNetwork=true, hostPID=true) and sysctls (names)
	// list identifiers only.
	f(`((?:host(?:Network|PID|IPC)=true)(?:, host(?:Network|PID|IPC)=true)*)`,
		func(m []string) string { return m[1] }),
	f(`([A-Za-z0-9_.*/-]+(?:, [A-Za-z0-9_.*/-]+)*)`,
		func(m []string) string { return m[1] }),
}

// setterZH translates a setter list: pod, container "a", annotations.
func setterZH(s string) string {
	parts := splitSetters(s)
	for i, p := range parts {
		switch {
		case p == "pod":
			parts[i] = "Pod"
		case p == "annotation" || p == "annotations":
			parts[i] = "注解"
		case strings.HasPrefix(p, "containers "):
			parts[i] = "容器 " + strings.TrimPrefix(p, "containers ")
		case strings.HasPrefix(p, "container "):
			parts[i] = "容器 " + strings.TrimPrefix(p, "container ")
		}
	}
	return strings.Join(parts, " 和 ")
}

// splitSetters splits at " and " outside quotes.
func splitSetters(s string) []string { return splitOutsideQuotes(s, " and ") }

// splitOutsideQuotes splits s at each sep that is not inside double quotes.
func splitOutsideQuotes(s, sep string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			start = i + len(sep)
			i += len(sep) - 1
		}
	}
	return append(out, s[start:])
}

// detailZH translates a ForbiddenDetail clause by clause; ok is false when
// a clause matched no known form (it is kept in English).
func detailZH(detail string) (string, bool) {
	if detail == "" {
		return "", true
	}
	all := true
	clauses := splitClauses(detail)
	for i, c := range clauses {
		zh, ok := clauseZH(c)
		if !ok {
			all = false
			zh = "上游说明 " + c
		}
		clauses[i] = zh
	}
	return strings.Join(clauses, "；"), all
}

// splitClauses splits at "; " outside quotes.
func splitClauses(s string) []string { return splitOutsideQuotes(s, "; ") }

func clauseZH(c string) (string, bool) {
	for _, fm := range forms {
		if m := fm.re.FindStringSubmatch(c); m != nil {
			return fm.zh(m), true
		}
	}
	return c, false
}

// violationZH is the Chinese form of "REASON (DETAIL)".
func violationZH(reason, detail string) (string, bool) {
	r, okR := reasonZH(reason)
	if detail == "" {
		return r, okR
	}
	d, okD := detailZH(detail)
	return r + "（" + d + "）", okR && okD
}
