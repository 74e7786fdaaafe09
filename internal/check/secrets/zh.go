package secrets

import (
	"regexp"
	"strings"
)

// The classifier explains a verdict in English (Verdict.Why, ScanText's
// why): a finite set of sentences around a name, a key or a credential
// format. WhyZH gives the Chinese sentence; TestEveryWhyTranslated holds
// every sentence the classifier can build to a Chinese form.

// formatsZH name the knownFormats in Chinese.
var formatsZH = map[string]string{
	"private key (PEM)":   "私钥（PEM）",
	"AWS access key ID":   "AWS 访问密钥 ID",
	"GitHub token":        "GitHub 令牌",
	"GitLab token":        "GitLab 令牌",
	"Slack token":         "Slack 令牌",
	"Google API key":      "Google 的 API 密钥",
	"Stripe secret key":   "Stripe 密钥",
	"JSON Web Token":      "JWT 令牌",
	"URL with a password": "含密码的 URL",
}

func formatZH(name string) (string, bool) {
	zh, ok := formatsZH[name]
	return zh, ok
}

var whyForms = []struct {
	re *regexp.Regexp
	zh func(m []string) (string, bool)
}{
	{regexp.MustCompile(`^value has the form of an? (.+)$`), func(m []string) (string, bool) {
		f, ok := formatZH(m[1])
		return "值具有 " + f + " 的格式", ok
	}},
	{regexp.MustCompile(`^value is base64 of an? (.+)$`), func(m []string) (string, bool) {
		switch m[1] {
		case "HTTP authorization header":
			return "值是 HTTP 授权头的 base64 编码", true
		case "secret setting":
			return "值是机密配置项的 base64 编码", true
		}
		f, ok := formatZH(m[1])
		return "值是 " + f + " 的 base64 编码", ok
	}},
	{regexp.MustCompile(`^value is base64 of user:password credentials$`), func([]string) (string, bool) {
		return "值是 user:password 凭据的 base64 编码", true
	}},
	{regexp.MustCompile(`^contains an? (.+)$`), func(m []string) (string, bool) {
		switch m[1] {
		case "HTTP Basic authorization header (user:password in base64)":
			return "包含 HTTP Basic 授权头（base64 编码的 user:password）", true
		case "HTTP Bearer authorization header":
			return "包含 HTTP Bearer 授权头", true
		}
		f, ok := formatZH(m[1])
		return "包含 " + f, ok
	}},
	{regexp.MustCompile(`^value is an HTTP Basic authorization header \(user:password in base64\)$`), func([]string) (string, bool) {
		return "值是 HTTP Basic 授权头（base64 编码的 user:password）", true
	}},
	{regexp.MustCompile(`^value is an HTTP Bearer authorization header$`), func([]string) (string, bool) {
		return "值是 HTTP Bearer 授权头", true
	}},
	{regexp.MustCompile(`^value is a long random-looking string$`), func([]string) (string, bool) {
		return "值是一段看似随机的长字符串", true
	}},
	{regexp.MustCompile(`^(name|key) (\S+) holds a literal value$`), func(m []string) (string, bool) {
		return nameZH(m[1]) + " " + m[2] + " 保存的是字面值", true
	}},
	{regexp.MustCompile(`^(name|key) (\S+) holds a credential-like literal value$`), func(m []string) (string, bool) {
		return nameZH(m[1]) + " " + m[2] + " 保存的是形似凭据的字面值", true
	}},
	{regexp.MustCompile(`^(name|key) (\S+) is a cloud credential and holds a literal value$`), func(m []string) (string, bool) {
		return nameZH(m[1]) + " " + m[2] + " 是云凭据，且保存的是字面值", true
	}},
	{regexp.MustCompile(`^(name|key) (\S+) holds a service account key \(JSON\) rather than its path$`), func(m []string) (string, bool) {
		return nameZH(m[1]) + " " + m[2] + " 保存的是服务账号密钥（JSON）本身，而不是其路径", true
	}},
}

func nameZH(s string) string {
	if s == "key" {
		return "键"
	}
	return "名称"
}

// WhyZH translates a reason of Classify or ScanText; ok is false for a
// sentence not known here, which is kept in English in a Chinese frame.
func WhyZH(why string) (string, bool) {
	for _, f := range whyForms {
		if m := f.re.FindStringSubmatch(why); m != nil {
			if zh, ok := f.zh(m); ok {
				return zh, true
			}
		}
	}
	return "判定依据 " + why, false
}

// whereZH translates where a value sits: "env NAME", "argument --flag",
// "data KEY", "data KEY (line N of the value)".
func whereZH(where string) string {
	kind, rest, _ := strings.Cut(where, " ")
	switch kind {
	case "env":
		return "环境变量 " + rest
	case "argument":
		return "参数 " + rest
	case "data":
		if key, line, ok := strings.Cut(rest, " (line "); ok {
			return "data 键 " + key + "（值的第 " + strings.TrimSuffix(line, " of the value)") + " 行）"
		}
		return "data 键 " + rest
	}
	return where
}

func whyZH(why string) string {
	zh, _ := WhyZH(why)
	return zh
}
