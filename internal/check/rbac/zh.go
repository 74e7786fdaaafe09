package rbac

import "strings"

// whatZH frames a grant "VERB RESOURCE" (as GrantsAny returns it) in
// Chinese; the verb and resource are RBAC identifiers and stay as they are.
func whatZH(what string) string {
	verb, res, ok := strings.Cut(what, " ")
	if !ok {
		return what
	}
	return "对 " + res + " 的 " + verb + " 权限"
}
