package report

import (
	"regexp"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// evidence renders a result's evidence in the report's language. Evidence
// is data (JSON keeps it as the check wrote it); in Chinese, its prose
// words are rendered from a closed set of fragments — a setting's origin
// (flag, config file key, environment, default), the process ([pid N]),
// who holds a file open, unset values — while identifiers, paths, flags and
// values stay as they are. A check whose evidence has a form of its own
// registers it (catalog.RegisterEvidenceZH).
func (run *Run) evidence(r *result.Result) string {
	if run.Lang != "zh" || r.Evidence == "" {
		return r.Evidence
	}
	if zh, ok := catalog.EvidenceZH(r.ID, r.Evidence); ok {
		return zh
	}
	return EvidenceZH(r.Evidence)
}

type fragment struct {
	re *regexp.Regexp
	zh string
}

// A value or identifier: no spaces, no closing bracket.
const tok = `([^\s()\[\];,]+)`

// evidenceFragments are tried in order, each on the whole evidence.
var evidenceFragments = []fragment{
	// Where a setting's value came from (inventory.Setting.From).
	{regexp.MustCompile(` ?\(flag (-{1,2}` + tok[1:] + `\)`), "（参数 $1）"},
	{regexp.MustCompile(` ?\(config ` + tok + ` key ` + tok + `\)`), "（配置文件 $1 的键 $2）"},
	{regexp.MustCompile(` ?\(daemon\.json key ` + tok + `\)`), "（daemon.json 的键 $1）"},
	{regexp.MustCompile(` ?\(env ` + tok + `\)`), "（环境变量 $1）"},
	{regexp.MustCompile(` ?\(default\)`), "（默认值）"},
	{regexp.MustCompile(` ?\(defaults to ` + tok + `\)`), "（默认为 $1）"},
	{regexp.MustCompile(`<unset>`), "<未设置>"},
	{regexp.MustCompile(`\[pid (\d+)\]`), "[进程 $1]"},
	// Who holds a file open (the audit log).
	{regexp.MustCompile(`(\S+) \(pid (\d+), fd (\d+)((?:, [^()]*)?)\)`), "$1（进程 $2，fd $3$4）"},
	{regexp.MustCompile(`, a known log shipper`), "，已知的日志转发程序"},
	{regexp.MustCompile(`, as (\S+?)）`), "，即 $1）"},
	{regexp.MustCompile(`; open by `), "；打开者："},
	{regexp.MustCompile(`no other process has it open`), "没有其他进程打开它"},
	{regexp.MustCompile(`no other process seen with it open \(the open files of (\d+) processes could not be read: audit as root\)`), "未发现其他进程打开它（有 $1 个进程的打开文件无法读取：请以 root 身份审计）"},
	{regexp.MustCompile(`which processes read it is not known here \(the node's processes are not visible\)`), "此处无法得知哪些进程读取它（节点的进程不可见）"},
	{regexp.MustCompile(`which processes read it is not known: `), "无法得知哪些进程读取它："},
	{regexp.MustCompile(`: audit events are sent to a webhook backend`), "：审计事件发送到 Webhook 后端"},
	{regexp.MustCompile(`: audit events go to the API server's standard output`), "：审计事件写入 API Server 的标准输出"},
	// The API server's authenticators.
	{regexp.MustCompile(`authenticators: none`), "认证方式：无"},
	{regexp.MustCompile(`authenticators: `), "认证方式："},
	{regexp.MustCompile(`; off: `), "；已关闭："},
	{regexp.MustCompile(`; on: `), "；问题："},
	{regexp.MustCompile(`no x509 client certificates \(--client-ca-file\), OIDC or webhook token authentication`), "未启用 x509 客户端证书（--client-ca-file）、OIDC 或 Webhook 令牌认证"},
	{regexp.MustCompile(`x509 client certificates: `), "x509 客户端证书："},
	{regexp.MustCompile(`webhook tokens: `), "Webhook 令牌："},
	{regexp.MustCompile(`anonymous requests are accepted \(`), "接受匿名请求（"},
	{regexp.MustCompile(`anonymous requests only to `), "匿名请求仅限 "},
	{regexp.MustCompile(`anonymous requests: `), "匿名请求："},
	{regexp.MustCompile(`static tokens are accepted \(`), "接受静态令牌（"},
	{regexp.MustCompile(`basic auth passwords are accepted \(`), "接受基本认证密码（"},
	// Pod and container settings.
	{regexp.MustCompile(`automountServiceAccountToken unset on pod and ServiceAccount`), "Pod 与 ServiceAccount 均未设置 automountServiceAccountToken"},
	{regexp.MustCompile(`seccompProfile unset \(Unconfined unless the node sets seccompDefault\)`), "未设置 seccompProfile（除非节点设置了 seccompDefault，否则为 Unconfined）"},
	{regexp.MustCompile(`runAsNonRoot and runAsUser unset`), "runAsNonRoot 与 runAsUser 均未设置"},
	{regexp.MustCompile(`(\S+) is not true`), "$1 不为 true"},
	{regexp.MustCompile(`(^|; |: )(--)?` + tok + ` unset\b`), "$1$2$3 未设置"},
	// Secrets, namespaces, Pod Security labels.
	{regexp.MustCompile(`\(line (\d+) of the value\)`), "（值的第 $1 行）"},
	{regexp.MustCompile(`; every current pod meets ` + tok), "；现有的每个 Pod 都满足 $1"},
	{regexp.MustCompile(`^a rule with no peers$`), "一条没有对端的规则"},
	// RBAC: a verb on a resource.
	{regexp.MustCompile(`^(get|list|watch|create|update|patch|delete|deletecollection|escalate|bind|impersonate|approve|sign|\*) ` + tok + `(.*)$`), "可对 $2 执行 $1$3"},
}

// EvidenceZH renders the prose fragments of evidence in Chinese.
func EvidenceZH(ev string) string {
	for _, f := range evidenceFragments {
		if strings.ContainsAny(ev, " ()<[") {
			ev = f.re.ReplaceAllString(ev, f.zh)
		}
	}
	return ev
}
