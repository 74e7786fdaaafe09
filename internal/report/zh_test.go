package report_test

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/report"
)

// englishRun finds prose left in English: two or more consecutive plain
// ASCII words. Tokens with path, field or value punctuation (/ . = : _ - [ ]
// digits) are identifiers, paths, field paths or values, not prose, and
// break a run; so do quoted values.
var (
	plainWord = regexp.MustCompile(`^[A-Za-z]+$`)
	quoted    = regexp.MustCompile("\"[^\"]*\"|'[^']*'|`[^`]*`")
)

// terms are names Chinese text keeps in English: products, APIs, Linux
// and Kubernetes terms of art. They are not prose.
var terms = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`API Server Kubernetes kubelet kubeward External Secrets Operator Sealed Vault
		Windows HostProcess RuntimeDefault Localhost seccomp SELinux AppArmor root USER CA OIDC Webhook TLS Pod
		Secret ServiceAccount NetworkPolicy Ingress Egress ResourceQuota LimitRange Docker Calico etcd containerd`) {
		terms[t] = true
	}
}

// untranslated returns the lines of a Chinese report with English prose,
// with the run of words found.
func untranslated(out string) []string {
	var bad []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "参考:") {
			continue // references cite English documents by title
		}
		clean := quoted.ReplaceAllString(line, " ")
		run := 0
		var words []string
		for _, tok := range tokens(clean) {
			if plainWord.MatchString(tok) && !terms[tok] {
				run++
				words = append(words, tok)
				if run >= 2 {
					bad = append(bad, strings.Join(words[len(words)-run:], " ")+"  ←  "+strings.TrimSpace(line))
					break
				}
				continue
			}
			run = 0
		}
	}
	return bad
}

// tokens splits a line at spaces; each CJK character or full-width
// punctuation mark is a token of its own, so Chinese text between two
// English words breaks the run.
func tokens(line string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range line {
		switch {
		case r == ' ' || r == '\t':
			flush()
		case r > 0x2000:
			flush()
			out = append(out, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

func TestUntranslated(t *testing.T) {
	for in, want := range map[string]int{
		"容器 app 以特权模式运行":                              0,
		"kube-apiserver 未设置 --anonymous-auth":         0,
		"原因: break glass":                             1,
		"此节点未运行 dockerd：没有进程、静态 Pod 清单":               0,
		"疑似机密：name DB_PASSWORD holds a literal value": 1,
		"汇总: 7 个对象已评估; 失败 2":                          0,
	} {
		if got := untranslated(in); len(got) != want {
			t.Errorf("untranslated(%q) = %q, want %d", in, got, want)
		}
	}
}

// Every user-facing string of a Chinese report is Chinese: the bundled
// example, a node and a cluster audit, in every format a person reads.
func TestChineseReportsComplete(t *testing.T) {
	runs := map[string]*report.Run{
		"example": manifestRun(t, exampleConfig(t), "", "zh", filepath.Join(repoRoot, "examples/insecure")),
		"node":    nodeRun(t, "zh"),
		"cluster": clusterRun(t, "zh"),
	}
	for name, run := range runs {
		for _, format := range []string{"text", "junit", "sarif"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				out := render(t, format, run)
				switch format {
				case "junit":
					out = junitProse(out)
				case "sarif":
					out = sarifProse(t, out)
				}
				for _, b := range untranslated(out) {
					t.Errorf("English in the Chinese report: %s", b)
				}
			})
		}
	}
}

// junitProse keeps the attribute values and bodies of a JUnit report that a
// person reads (messages, suite names), not XML syntax.
func junitProse(x string) string {
	var b strings.Builder
	for _, m := range regexp.MustCompile(`(?:message|name)="([^"]*)"`).FindAllStringSubmatch(x, -1) {
		b.WriteString(m[1] + "\n")
	}
	return b.String()
}

// sarifProse keeps the texts of a SARIF log a person reads: messages, rule
// descriptions and help, suppression justifications.
func sarifProse(t *testing.T, raw string) string {
	var doc any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			if key == "text" || key == "markdown" || key == "justification" {
				b.WriteString(v + "\n")
			}
		}
	}
	walk("", doc)
	return b.String()
}

func TestWidthCountsCJKAsTwoColumns(t *testing.T) {
	for s, want := range map[string]int{"high": 4, "严重": 4, "高": 2, "KW-POD-001 中": 13, "（UTC）": 7} {
		if got := report.Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
	// The check headings of a Chinese report line their titles up.
	out := render(t, "text", sampleRun("zh"))
	col := -1
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "  KW-") || strings.HasPrefix(line, "  KW-X") {
			continue
		}
		f := strings.Fields(line)
		title := strings.Index(line, f[2]) // f[2] is a field of line: found
		w := report.Width(line[:title])
		if col >= 0 && w != col {
			t.Errorf("title at column %d, want %d: %q", w, col, line)
		}
		col = w
	}
}

// Evidence fragments in Chinese: the origin words, the process, who holds a
// file open; identifiers, paths, flags and values as they are.
func TestEvidenceZH(t *testing.T) {
	for in, want := range map[string]string{
		"seccomp-default=false (default) [pid 101]":                                                                                  "seccomp-default=false（默认值） [进程 101]",
		"read-only-port=10255 (flag --read-only-port)":                                                                               "read-only-port=10255（参数 --read-only-port）",
		"anonymous-auth=false (config /var/lib/kubelet/config.yaml key authentication.anonymous.enabled)":                            "anonymous-auth=false（配置文件 /var/lib/kubelet/config.yaml 的键 authentication.anonymous.enabled）",
		"tlsverify=<unset> (env DOCKER_TLS_VERIFY)":                                                                                  "tlsverify=<未设置>（环境变量 DOCKER_TLS_VERIFY）",
		"audit-log-path=/var/log/audit.log (flag --audit-log-path); audit-webhook-config-file=<unset>; no other process has it open": "audit-log-path=/var/log/audit.log（参数 --audit-log-path）; audit-webhook-config-file=<未设置>; 没有其他进程打开它",
		"audit-log-path=/var/log/a.log (flag --audit-log-path); open by tail (pid 1139, fd 3)":                                       "audit-log-path=/var/log/a.log（参数 --audit-log-path）；打开者：tail（进程 1139，fd 3）",
		"create pods":                    "可对 pods 执行 create",
		"priorityClassName unset":        "priorityClassName 未设置",
		"image=registry.example/app:1.0": "image=registry.example/app:1.0",
	} {
		if got := report.EvidenceZH(in); got != want {
			t.Errorf("EvidenceZH(%q)\n = %q\nwant %q", in, got, want)
		}
		if bad := untranslated(report.EvidenceZH(in)); len(bad) > 0 {
			t.Errorf("English left: %q", bad)
		}
	}
}
