package namespace

// peersZH is the Chinese of allowsAll's reasons; the others
// ("namespaceSelector: {}", "ipBlock 0.0.0.0/0") are field and value.
func peersZH(why string) string {
	if why == "a rule with no peers" {
		return "该规则未列出任何对端"
	}
	return why
}
