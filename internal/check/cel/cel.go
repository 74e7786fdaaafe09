// Package cel builds the CEL of the checks that can be exported as
// ValidatingAdmissionPolicies: each check writes its predicate beside its Go
// logic (check.Spec.CEL) with these helpers, and internal/export/vap wraps
// the predicates in policies.
//
// The variables the predicates read are the policy's: variables.podSpec,
// variables.podSecurityContext, variables.annotations and the container c
// for pod checks, variables.rules (as r) for role checks.
package cel

import (
	"fmt"
	"strings"
)

// String quotes s as a CEL string literal.
func String(s string) string {
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

// List renders a list of string literals.
func List(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = String(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Effective combines the container's and the pod's securityContext field
// the way the kubelet does: the container's value wins, then the pod's.
// test formats the check of a set value (%[1]s is the value); unset is the
// result when neither sets it.
func Effective(field, test, unset string) string {
	ctr := "c.securityContext." + field
	pod := "variables.podSecurityContext." + field
	return fmt.Sprintf("((has(c.securityContext) && has(%s)) ? (%s) : (has(%s) ? (%s) : %s))",
		ctr, fmt.Sprintf(test, ctr), pod, fmt.Sprintf(test, pod), unset)
}

// CtrField guards a container-only securityContext field: test when set, unset otherwise.
func CtrField(field, test, unset string) string {
	v := "c.securityContext." + field
	return fmt.Sprintf("((has(c.securityContext) && has(%s)) ? (%s) : %s)", v, fmt.Sprintf(test, v), unset)
}

// NormCap is the CEL form of the workload check's normalizeCap: upper case without CAP_.
func NormCap(v string) string {
	return fmt.Sprintf("(%[1]s.upperAscii().startsWith('CAP_') ? %[1]s.upperAscii().substring(4) : %[1]s.upperAscii())", v)
}

// ImageName is the CEL form of reference.ParseNormalizedNamed(i).Name():
// the repository without tag or digest, with docker.io and library/ added.
func ImageName(i string) string {
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

// ImageTag is the tag of image i, or the empty string when it has none.
func ImageTag(i string) string {
	n := fmt.Sprintf("%s.split('@')[0]", i)
	return fmt.Sprintf("[%s].map(n, n.lastIndexOf(':') > n.lastIndexOf('/') ? n.substring(n.lastIndexOf(':') + 1) : '')[0]", n)
}

// HostPathOK is the predicate over a volume v that the hostPath check
// passes. Paths that are not in clean form ("//", "/./", "/../", a
// trailing "/." or "/..") are refused: CEL cannot clean them.
func HostPathOK(v, test string) string {
	p := v + ".hostPath.path"
	clean := fmt.Sprintf("(%[1]s.size() > 1 && %[1]s.endsWith('/') ? %[1]s.substring(0, %[1]s.size() - 1) : %[1]s)", p)
	unclean := fmt.Sprintf("%s.matches('//|/\\\\./|/\\\\.\\\\./|/\\\\.\\\\.?$')", p)
	return fmt.Sprintf("!has(%s.hostPath) || (!%s && [%s].all(p, %s))", v, unclean, clean, test)
}

// Allows is the CEL form of the rbac check's GrantsAny for a rule r: any of verbs on
// any of resources in group, on every object — or, when named, also on
// named objects only — with resourceNames matched as the authorizer does
// (effective.RuleGrants): a rule with resourceNames grants a request that
// carries no name (create on a top-level resource, deletecollection, an
// unfiltered list or watch) only if it lists "", and one that carries a
// name (every other request) only for the non-empty names it lists.
func Allows(group string, resources, verbs []string, named bool) string {
	var perResource []string
	for _, res := range resources {
		match := "x == '*' || x == " + String(res)
		_, sub, isSub := strings.Cut(res, "/")
		if isSub {
			match += " || x == " + String("*/"+sub)
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
			names = append(names, fmt.Sprintf("(r.resourceNames.exists(n, n == '') && r.verbs.exists(v, v == '*' || v in %s))", List(nameless)))
		}
		if named && len(withName) > 0 {
			names = append(names, fmt.Sprintf("(r.resourceNames.exists(n, n != '') && r.verbs.exists(v, v == '*' || v in %s))", List(withName)))
		}
		perResource = append(perResource, fmt.Sprintf("(r.resources.exists(x, %s) && (%s))", match, strings.Join(names, " || ")))
	}
	return fmt.Sprintf("(has(r.apiGroups) && r.apiGroups.exists(g, g == '*' || g == %s) && has(r.verbs) && r.verbs.exists(v, v == '*' || v in %s) && has(r.resources) && (%s))",
		String(group), List(verbs), strings.Join(perResource, " || "))
}

// NoRule holds when no rule r of the role matches pred.
func NoRule(pred string) string { return "!variables.rules.exists(r, " + pred + ")" }
