package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	_ "github.com/kubeward/kubeward/internal/check/all"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

// sampleRun is a small audit with one result of every status.
func sampleRun(lang string) *report.Run {
	web := result.Subject{Kind: "Deployment", Namespace: "apps", Name: "web", Container: "app"}
	return &report.Run{
		Target: "manifests", Inputs: []string{"deploy/"}, Version: "1.2.3", Lang: lang, Objects: 7,
		BaseDir: "/repo",
		Results: []result.Result{
			{ID: "KW-POD-002", Status: result.Fail, Severity: catalog.SeverityCritical, Subject: web,
				Location: &result.Location{File: "/repo/deploy/app.yaml", Line: 12, Path: "spec.template.spec.containers[0].securityContext.privileged"},
				Message:  catalog.Text{EN: "container app runs privileged", ZH: "容器 app 以特权模式运行"}, Evidence: "securityContext.privileged=true"},
			{ID: "KW-HOST-003", Status: result.Fail, Severity: catalog.SeverityHigh, Subject: result.Subject{Kind: "Deployment", Namespace: "apps", Name: "web"},
				Location: &result.Location{File: "/repo/deploy/app.yaml", Line: 20, Path: "spec.template.spec.hostNetwork"},
				Message:  catalog.Text{EN: "pod uses the host's network", ZH: "Pod 使用宿主机网络"}, Evidence: "hostNetwork=true",
				Exception: &result.Exception{Source: "config", Reason: "migration", Expires: "2024-01-01", Expired: true}},
			{ID: "KW-NS-005", Status: result.Warn, Severity: catalog.SeverityMedium, Subject: result.Subject{Kind: "NetworkPolicy", Namespace: "apps", Name: "open"},
				Location: &result.Location{File: "<stdin>", Line: 3, Path: "spec.ingress[0]"},
				Message:  catalog.Text{EN: "ingress rule 0 admits traffic from anywhere", ZH: "入站规则 0 放行来自任何地方的流量"}},
			{ID: "KW-RBAC-010", Status: result.Ignored, Severity: catalog.SeverityCritical, Subject: result.Subject{Kind: "ClusterRoleBinding", Name: "ops"},
				Location:  &result.Location{File: "/repo/rbac.yaml"},
				Message:   catalog.Text{EN: "binds cluster-admin to Group ops", ZH: "将 cluster-admin 绑定到 Group ops"},
				Exception: &result.Exception{Source: "annotation kubeward.io/ignore", Reason: "break-glass group"}},
			{ID: "KW-RBAC-001", Status: result.Ignored, Severity: catalog.SeverityHigh, Subject: result.Subject{Kind: "ClusterRole", Name: "ops"},
				Location:  &result.Location{Origin: "/apis/rbac.authorization.k8s.io/v1/clusterroles/ops"},
				Exception: &result.Exception{Source: "config", Reason: "reviewed"}},
			{ID: "KW-NS-001", Status: result.NotApplicable, Severity: catalog.SeverityMedium, Subject: result.Subject{Kind: "Namespace", Name: "kube-system"},
				Message: catalog.Text{EN: "kube-system is a system namespace", ZH: "kube-system 是系统命名空间"}},
			{ID: "KW-NODE-000", Status: result.Error, Severity: catalog.SeverityMedium, Subject: result.Subject{Kind: "Node", Name: "n1"},
				Message: catalog.Text{EN: "could not read: /etc/kubernetes/pki", ZH: "无法读取：/etc/kubernetes/pki"}},
		},
		Passed:  map[string]int{"KW-POD-001": 3},
		Skipped: map[string]int{"apiextensions.k8s.io/CustomResourceDefinition": 2},
		Errors:  []string{"deploy/bad.yaml: line 3: mapping values are not allowed"},
		FailOn:  catalog.SeverityHigh,
	}
}

func render(t *testing.T, format string, run *report.Run) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Write(&b, format, run); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return b.String()
}

func TestWriteFormats(t *testing.T) {
	tests := []struct {
		format  string
		prefix  string
		wantErr bool
	}{
		{"", "kubeward 1.2.3\n", false},
		{"text", "kubeward 1.2.3\n", false},
		{"json", "{", false},
		{"sarif", "{", false},
		{"junit", "<?xml", false},
		{"html", "<!DOCTYPE html>\n", false},
		{"markdown", "## kubeward security report", false},
		{"pdf", "", true},
		{"JSON", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var b bytes.Buffer
			err := report.Write(&b, tc.format, sampleRun("en"))
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "unknown output format") || !strings.Contains(err.Error(), "text, json, sarif, junit, html or markdown") {
					t.Errorf("Write(%q) error = %v", tc.format, err)
				}
				if b.Len() != 0 {
					t.Errorf("Write(%q) wrote %q before failing", tc.format, b.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(b.String(), tc.prefix) {
				t.Errorf("output starts %q, want %q", firstLine(b.String()), tc.prefix)
			}
		})
	}
	for _, f := range report.Formats {
		if err := report.Write(&bytes.Buffer{}, f, sampleRun("en")); err != nil {
			t.Errorf("listed format %s fails: %v", f, err)
		}
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func TestRunCounts(t *testing.T) {
	run := sampleRun("en")
	want := map[result.Status]int{result.Fail: 2, result.Warn: 1, result.Ignored: 2, result.NotApplicable: 1, result.Error: 1, result.Pass: 3}
	got := run.Counts()
	for s, n := range want {
		if got[s] != n {
			t.Errorf("Counts()[%s] = %d, want %d", s, got[s], n)
		}
	}
	tests := []struct {
		sev  catalog.Severity
		want int
	}{
		{catalog.SeverityLow, 2}, {catalog.SeverityMedium, 2}, {catalog.SeverityHigh, 2}, {catalog.SeverityCritical, 1},
	}
	for _, tc := range tests {
		// Only FAIL counts: the ignored critical binding and the WARN do not.
		if got := run.AtOrAbove(tc.sev); got != tc.want {
			t.Errorf("AtOrAbove(%s) = %d, want %d", tc.sev, got, tc.want)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		lang     string
		want     []string // in this order
		contains []string
		absent   []string
	}{
		{"en",
			[]string{"kubeward 1.2.3", "Inputs: deploy/", "Configuration: (none: built-in defaults)", "Time: ",
				"2. Containers and images", "  KW-POD-002  critical Container runs in privileged mode\n    [FAIL] Deployment/apps/web [app]", "3. Control plane", "KW-NODE-000", "[ERROR] Node/n1", "4. Cluster policy",
				"Input errors", "Summary: 7 objects evaluated; FAIL 2, WARN 1, ERROR 1, IGNORED 2, NOT APPLICABLE 1, PASS 3",
				"  FAIL by severity: critical 1, high 1", "  Namespaces with most FAIL: apps 2", "  Objects with most FAIL: Deployment/apps/web 2",
				"  Could not evaluate (ERROR):\n    ✗ KW-NODE-000 Node/n1: could not read: /etc/kubernetes/pki",
				"2 skipped (no checks for these kinds)", "failures at or above high: 2"},
			[]string{
				"    [FAIL] Deployment/apps/web [app]  /repo/deploy/app.yaml:12\n",
				"        container app runs privileged\n",
				"        Evidence: securityContext.privileged=true\n",
				"    Fix: Remove securityContext.privileged: true",
				"exception expired after 2024-01-01 (reason: migration)",
				"ignored [annotation kubeward.io/ignore] reason: break-glass group",
				"[WARN] NetworkPolicy/apps/open",
				"[NOT APPLICABLE] Namespace/kube-system",
				"  ✗ deploy/bad.yaml: line 3: mapping values are not allowed",
				"apiextensions.k8s.io/CustomResourceDefinition×2",
			},
			[]string{"\x1b[", "容器", "No findings."}},
		{"zh",
			[]string{"输入: deploy/", "配置文件: （无：使用内置默认值）", "2. 容器与镜像", "  KW-POD-002  严重 容器以特权模式运行\n    [失败] Deployment/apps/web [app]", "3. 控制平面", "[错误] Node/n1", "4. 集群策略",
				"输入错误", "汇总: 7 个对象已评估; 失败 2, 警告 1, 错误 1, 已忽略 2, 不适用 1, 通过 3", "失败项按严重级别: 严重 1, 高 1", "达到或高于以下级别的失败项 高: 2"},
			[]string{
				"        容器 app 以特权模式运行\n",
				"        证据: securityContext.privileged=true\n",
				"    修复: 删除 securityContext.privileged: true",
				"例外已过期，最后有效日（UTC）为 2024-01-01 (原因: migration)",
				"已忽略 [annotation kubeward.io/ignore] 原因: break-glass group",
				"[警告] NetworkPolicy/apps/open",
			},
			[]string{"Containers and images", "Container runs in privileged mode", "Fix:", "Summary", "[FAIL]"}},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			out := render(t, "text", sampleRun(tc.lang))
			pos := 0
			for _, w := range tc.want {
				i := strings.Index(out[pos:], w)
				if i < 0 {
					t.Fatalf("%q missing or out of order in:\n%s", w, out)
				}
				pos += i + len(w)
			}
			for _, w := range tc.contains {
				if !strings.Contains(out, w) {
					t.Errorf("%q missing in:\n%s", w, out)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(out, a) {
					t.Errorf("%q present in:\n%s", a, out)
				}
			}
			// A remediation is shown once for each check with a FAIL or WARN, and only for those.
			fix := map[string]string{"en": "Fix: ", "zh": "修复: "}[tc.lang]
			if n := strings.Count(out, fix); n != 3 {
				t.Errorf("%d remediation lines, want 3 (one per check with a FAIL or WARN)", n)
			}
		})
	}
}

func TestTextEmptyAndColor(t *testing.T) {
	tests := []struct {
		name     string
		run      *report.Run
		contains []string
		absent   []string
	}{
		{"no findings en", &report.Run{Objects: 3, Passed: map[string]int{"KW-POD-001": 3}},
			[]string{"No findings.\n", "Summary: 3 objects evaluated; PASS 3\n"}, []string{"Input errors", "skipped", "failures at or above"}},
		{"no findings zh", &report.Run{Lang: "zh"}, []string{"未发现问题。", "汇总: 0 个对象已评估\n"}, []string{";"}},
		{"unknown check ID goes under cluster policy with its ID as title", &report.Run{Results: []result.Result{{ID: "KW-X-999", Status: result.Fail, Severity: catalog.SeverityLow, Subject: result.Subject{Kind: "Pod", Name: "p"}}}},
			[]string{"4. Cluster policy\n  KW-X-999 low      KW-X-999\n    [FAIL] Pod/p\n"}, []string{"Fix:"}},
		{"color", func() *report.Run { r := sampleRun("en"); r.Color = true; return r }(),
			[]string{"\x1b[31m[FAIL]\x1b[0m", "\x1b[33m[WARN]\x1b[0m", "\x1b[90m[IGNORED]\x1b[0m", "\x1b[1m2. Containers and images\x1b[0m", "\x1b[31m✗\x1b[0m", "\x1b[32mPASS\x1b[0m 3"}, nil},
		{"a listed PASS reads as a pass", &report.Run{Results: []result.Result{{ID: "KW-POD-001", Status: result.Pass, Severity: catalog.SeverityHigh, Subject: result.Subject{Kind: "Pod", Name: "p"}}}},
			[]string{"    [PASS] Pod/p\n        passed this check\n"}, []string{"Fix:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, "text", tc.run)
			for _, w := range tc.contains {
				if !strings.Contains(out, w) {
					t.Errorf("%q missing in:\n%q", w, out)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(out, a) {
					t.Errorf("%q present in:\n%s", a, out)
				}
			}
		})
	}
}

type jsonOut struct {
	Schema  string   `json:"schema"`
	Version string   `json:"kubewardVersion"`
	Target  string   `json:"target"`
	Inputs  []string `json:"inputs"`
	Lang    string   `json:"lang"`
	Summary struct {
		Objects  int            `json:"objects"`
		Statuses map[string]int `json:"statuses"`
		Passed   map[string]int `json:"passedByCheck"`
		Skipped  map[string]int `json:"skippedKinds"`
	} `json:"summary"`
	Results []struct {
		ID          string            `json:"id"`
		Status      string            `json:"status"`
		Severity    string            `json:"severity"`
		Layer       int               `json:"layer"`
		Item        string            `json:"item"`
		Title       string            `json:"title"`
		Subject     map[string]string `json:"subject"`
		Location    *result.Location  `json:"location"`
		Message     string            `json:"message"`
		Evidence    string            `json:"evidence"`
		Remediation string            `json:"remediation"`
		Exception   *result.Exception `json:"exception"`
	} `json:"results"`
	Errors []string `json:"errors"`
}

func TestJSON(t *testing.T) {
	tests := []struct {
		lang, wantLang          string
		title, message, remedy0 string
	}{
		{"", "en", "Container runs in privileged mode", "container app runs privileged", "Remove securityContext.privileged"},
		{"en", "en", "Container runs in privileged mode", "container app runs privileged", "Remove securityContext.privileged"},
		{"zh", "zh", "容器以特权模式运行", "容器 app 以特权模式运行", "删除 securityContext.privileged"},
	}
	for _, tc := range tests {
		t.Run("lang="+tc.lang, func(t *testing.T) {
			raw := render(t, "json", sampleRun(tc.lang))
			var out jsonOut
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&out); err != nil {
				t.Fatalf("decode: %v\n%s", err, raw)
			}
			if out.Schema != report.SchemaVersion || out.Version != "1.2.3" || out.Target != "manifests" || out.Lang != tc.wantLang || len(out.Inputs) != 1 {
				t.Errorf("header = %s %s %s %s %v", out.Schema, out.Version, out.Target, out.Lang, out.Inputs)
			}
			if out.Summary.Objects != 7 || out.Summary.Statuses["FAIL"] != 2 || out.Summary.Statuses["PASS"] != 3 || out.Summary.Statuses["NOT_APPLICABLE"] != 1 ||
				out.Summary.Passed["KW-POD-001"] != 3 || out.Summary.Skipped["apiextensions.k8s.io/CustomResourceDefinition"] != 2 {
				t.Errorf("summary = %+v", out.Summary)
			}
			if len(out.Results) != 7 {
				t.Fatalf("%d results, want 7 (every status but counted passes)", len(out.Results))
			}
			r := out.Results[0]
			if r.ID != "KW-POD-002" || r.Status != "FAIL" || r.Severity != "critical" || r.Layer != 2 || r.Item != "2.4" ||
				r.Title != tc.title || r.Message != tc.message || !strings.HasPrefix(r.Remediation, tc.remedy0) ||
				r.Evidence != "securityContext.privileged=true" || r.Subject["container"] != "app" || r.Location == nil || r.Location.Line != 12 {
				t.Errorf("result[0] = %+v", r)
			}
			if x := out.Results[1].Exception; x == nil || !x.Expired || x.Expires != "2024-01-01" {
				t.Errorf("expired exception = %+v", x)
			}
			if len(out.Errors) != 1 {
				t.Errorf("errors = %v", out.Errors)
			}
		})
	}
}

func TestJSONEmptyRun(t *testing.T) {
	raw := render(t, "json", &report.Run{Target: "node"})
	for _, want := range []string{`"results": []`, `"errors": []`, `"passedByCheck": {}`, `"skippedKinds": {}`, `"statuses": {}`, `"lang": "en"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("empty report lacks %s (null where a consumer expects a collection):\n%s", want, raw)
		}
	}
	if strings.Contains(raw, `"inputs"`) {
		t.Errorf("empty inputs are not omitted:\n%s", raw)
	}
}

func decodeSARIF(t *testing.T, run *report.Run) sarifOut {
	t.Helper()
	raw := render(t, "sarif", run)
	var out sarifOut
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("decode: %v\n%s", err, raw)
	}
	if out.Version != "2.1.0" || len(out.Runs) != 1 {
		t.Fatalf("version %s, %d runs", out.Version, len(out.Runs))
	}
	return out
}

func TestSARIF(t *testing.T) {
	out := decodeSARIF(t, sampleRun("en"))
	run := out.Runs[0]
	if run.Tool.Driver.Name != "kubeward" || run.Tool.Driver.Version != "1.2.3" {
		t.Errorf("driver = %+v", run.Tool.Driver)
	}
	type want struct {
		rule, level, uri string
		line             int
		suppression      string
		message          string
	}
	wants := []want{
		{"KW-POD-002", "error", "deploy/app.yaml", 12, "", "Deployment/apps/web [app]: container app runs privileged"},
		{"KW-HOST-003", "error", "deploy/app.yaml", 20, "", "Deployment/apps/web: pod uses the host's network"},
		{"KW-NS-005", "warning", "stdin", 3, "", "NetworkPolicy/apps/open: ingress rule 0 admits traffic from anywhere"},
		{"KW-RBAC-010", "note", "rbac.yaml", 1, "inSource", "ClusterRoleBinding/ops: binds cluster-admin to Group ops"},
		// No message: the check's title stands in.
		{"KW-RBAC-001", "note", "cluster/_cluster/ClusterRole/ops", 1, "external", "ClusterRole/ops: Role uses wildcards"},
	}
	if len(run.Results) != len(wants) {
		t.Fatalf("%d results, want %d (NOT_APPLICABLE and ERROR are not SARIF results)", len(run.Results), len(wants))
	}
	for i, w := range wants {
		r := run.Results[i]
		t.Run(w.rule, func(t *testing.T) {
			if r.RuleID != w.rule || r.Level != w.level || r.Message.Text != w.message {
				t.Errorf("result = %s %s %q, want %s %s %q", r.RuleID, r.Level, r.Message.Text, w.rule, w.level, w.message)
			}
			if r.RuleIndex < 0 || r.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
				t.Errorf("ruleIndex %d does not point at rule %s", r.RuleIndex, r.RuleID)
			}
			loc := r.Locations[0]
			if len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].FullyQualifiedName == "" {
				t.Errorf("logical location = %+v", loc.LogicalLocations)
			}
			// Every result has a physical location: GitHub rejects one without.
			p := loc.PhysicalLocation
			if p == nil {
				t.Fatal("no physical location")
			}
			if p.ArtifactLocation.URI != w.uri || p.ArtifactLocation.URIBaseID != "%SRCROOT%" {
				t.Errorf("artifact = %+v, want %s relative to %%SRCROOT%%", p.ArtifactLocation, w.uri)
			}
			if p.Region == nil || p.Region.StartLine != w.line {
				t.Errorf("region = %+v, want line %d", p.Region, w.line)
			}
			if fp := r.PartialFingerprints["kubewardFinding/v1"]; !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(fp) {
				t.Errorf("fingerprint %q", fp)
			}
			if w.suppression == "" {
				if len(r.Suppressions) != 0 {
					t.Errorf("suppressions = %+v", r.Suppressions)
				}
			} else if len(r.Suppressions) != 1 || r.Suppressions[0].Kind != w.suppression || r.Suppressions[0].Justification == "" {
				t.Errorf("suppressions = %+v, want kind %s with a justification", r.Suppressions, w.suppression)
			}
		})
	}
	rules := run.Tool.Driver.Rules
	if len(rules) != 5 {
		t.Fatalf("%d rules, want one per distinct check reported", len(rules))
	}
	r0 := rules[0]
	if r0.ID != "KW-POD-002" || r0.Name != "ContainerRunsInPrivilegedMode" || r0.ShortDescription.Text != "Container runs in privileged mode" ||
		r0.HelpURI != "https://github.com/kubeward/kubeward/blob/main/docs/checks.md#kw-pod-002" ||
		!strings.Contains(r0.FullDescription.Text, "(plan item 2.4 ") || !strings.HasPrefix(r0.Help.Text, "Fix: Remove securityContext.privileged") ||
		!strings.Contains(r0.Help.Text, "References: CIS Kubernetes v1.12 5.2.2") || !strings.HasPrefix(r0.Help.Markdown, "**Container runs in privileged mode**") {
		t.Errorf("rule = %+v", r0)
	}
	if r0.Properties.SecuritySeverity != "9.5" || r0.Properties.Precision != "high" {
		t.Errorf("rule properties = %v", r0.Properties)
	}
	sev := map[string]string{}
	for _, r := range rules {
		sev[r.ID] = r.Properties.SecuritySeverity
	}
	if sev["KW-HOST-003"] != "8.0" || sev["KW-NS-005"] != "5.5" {
		t.Errorf("security-severity by rule = %v", sev)
	}
}

func TestSARIFChinese(t *testing.T) {
	out := decodeSARIF(t, sampleRun("zh"))
	r := out.Runs[0]
	if got := r.Results[0].Message.Text; got != "Deployment/apps/web [app]: 容器 app 以特权模式运行" {
		t.Errorf("message = %q", got)
	}
	if got := r.Tool.Driver.Rules[0].ShortDescription.Text; got != "容器以特权模式运行" {
		t.Errorf("rule description = %q", got)
	}
	// The rule name stays English: it is an identifier, not prose.
	if got := r.Tool.Driver.Rules[0].Name; got != "ContainerRunsInPrivilegedMode" {
		t.Errorf("rule name = %q", got)
	}
}

func TestSARIFPathsAndFingerprints(t *testing.T) {
	finding := func(file string, line int, path string) result.Result {
		return result.Result{ID: "KW-POD-002", Status: result.Fail, Severity: catalog.SeverityCritical,
			Subject:  result.Subject{Kind: "Pod", Namespace: "a", Name: "p"},
			Location: &result.Location{File: file, Line: line, Path: path}}
	}
	tests := []struct {
		name    string
		base    string
		file    string
		wantURI string
	}{
		{"relative to the base", "/repo", "/repo/k8s/app.yaml", "k8s/app.yaml"},
		{"outside the base: absolute path without the leading slash", "/repo", "/elsewhere/app.yaml", "elsewhere/app.yaml"},
		{"escaped", "/repo", "/repo/a b/c:d.yaml", "a%20b/c%3Ad.yaml"},
		{"no base", "", "k8s/app.yaml", "k8s/app.yaml"},
		{"relative file and base", ".", "k8s/app.yaml", "k8s/app.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := decodeSARIF(t, &report.Run{BaseDir: tc.base, Results: []result.Result{finding(tc.file, 1, "spec")}})
			if got := out.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; got != tc.wantURI {
				t.Errorf("uri = %q, want %q", got, tc.wantURI)
			}
		})
	}
	fp := func(r result.Result) string {
		return decodeSARIF(t, &report.Run{Results: []result.Result{r}}).Runs[0].Results[0].PartialFingerprints["kubewardFinding/v1"]
	}
	base := fp(finding("a.yaml", 10, "spec.containers[0]"))
	if fp(finding("a.yaml", 99, "spec.containers[0]")) != base {
		t.Error("fingerprint changes when the line moves")
	}
	if fp(finding("a.yaml", 10, "spec.containers[1]")) == base {
		t.Error("fingerprint ignores the field path")
	}
	other := finding("a.yaml", 10, "spec.containers[0]")
	other.Subject.Name = "q"
	if fp(other) == base {
		t.Error("fingerprint ignores the subject")
	}
}

func TestSARIFEmpty(t *testing.T) {
	raw := render(t, "sarif", &report.Run{Results: []result.Result{{ID: "KW-POD-001", Status: result.Pass}}})
	for _, want := range []string{`"results": []`, `"rules": []`, `"$schema": "https://json.schemastore.org/sarif-2.1.0.json"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("SARIF without findings lacks %s:\n%s", want, raw)
		}
	}
}

type junitOut struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			File      string `xml:"file,attr"`
			Line      int    `xml:"line,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			raw := render(t, "junit", sampleRun(lang))
			var out junitOut
			if err := xml.Unmarshal([]byte(raw), &out); err != nil {
				t.Fatalf("invalid XML: %v\n%s", err, raw)
			}
			if out.Name != map[string]string{"en": "kubeward manifests", "zh": "kubeward 清单"}[lang] || out.Tests != 9 || out.Failures != 2 || out.Errors != 2 || out.Skipped != 4 {
				t.Errorf("totals: name=%q tests=%d failures=%d errors=%d skipped=%d; want 9 tests (7 results + 1 pass case + 1 input error), 2 failures, 2 errors, 4 skipped (WARN among them)",
					out.Name, out.Tests, out.Failures, out.Errors, out.Skipped)
			}
			var ids []string
			suites := map[string]int{}
			for i, s := range out.Suites {
				id, _, _ := strings.Cut(s.Name, " ")
				ids = append(ids, id)
				suites[id] = i
				if len(s.Cases) != s.Tests {
					t.Errorf("suite %s: tests=%d but %d cases", s.Name, s.Tests, len(s.Cases))
				}
			}
			if got := strings.Join(ids, " "); got != "KW-HOST-003 KW-NODE-000 KW-NS-001 KW-NS-005 KW-POD-001 KW-POD-002 KW-RBAC-001 KW-RBAC-010 input-errors" {
				t.Errorf("suites = %s, want one per check sorted by ID", got)
			}
			priv := out.Suites[suites["KW-POD-002"]]
			wantTitle := map[string]string{"en": "KW-POD-002 Container runs in privileged mode", "zh": "KW-POD-002 容器以特权模式运行"}[lang]
			if priv.Name != wantTitle || priv.Failures != 1 {
				t.Errorf("suite = %q failures=%d, want %q", priv.Name, priv.Failures, wantTitle)
			}
			c := priv.Cases[0]
			wantMsg := map[string]string{"en": "container app runs privileged", "zh": "容器 app 以特权模式运行"}[lang]
			if c.Name != "Deployment/apps/web [app]" || c.Classname != "KW-POD-002" || c.File != "/repo/deploy/app.yaml" || c.Line != 12 ||
				c.Failure == nil || c.Failure.Type != "critical" || c.Failure.Message != wantMsg ||
				!strings.Contains(c.Failure.Body, "securityContext.privileged=true") || !strings.Contains(c.Failure.Body, "/repo/deploy/app.yaml:12") ||
				!strings.Contains(c.Failure.Body, map[string]string{"en": "Fix: Remove securityContext.privileged", "zh": "修复: 删除 securityContext.privileged"}[lang]) {
				t.Errorf("failure case = %+v", c)
			}
			warn := map[string]string{"en": "WARN: ", "zh": "警告: "}[lang]
			if c := out.Suites[suites["KW-NS-005"]].Cases[0]; c.Failure != nil || c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, warn) {
				t.Errorf("WARN case = %+v, want skipped with a WARN message", c)
			}
			ign := map[string]string{"en": "ignored: ", "zh": "已忽略: "}[lang]
			if c := out.Suites[suites["KW-RBAC-010"]].Cases[0]; c.Skipped == nil || c.Skipped.Message != ign+"break-glass group" {
				t.Errorf("ignored case = %+v", c)
			}
			if c := out.Suites[suites["KW-NS-001"]].Cases[0]; c.Skipped == nil || c.Skipped.Message == "" || strings.HasPrefix(c.Skipped.Message, ign) {
				t.Errorf("not-applicable case = %+v, want skipped with its reason", c)
			}
			if c := out.Suites[suites["KW-NODE-000"]].Cases[0]; c.Error == nil {
				t.Errorf("error case = %+v", c)
			}
			if s := out.Suites[suites["KW-POD-001"]]; len(s.Cases) != 1 || !strings.Contains(s.Cases[0].SystemOut, "3 ") || s.Cases[0].Failure != nil || s.Cases[0].Skipped != nil {
				t.Errorf("pass suite = %+v", s)
			}
			if s := out.Suites[suites["input-errors"]]; len(s.Cases) != 1 || s.Cases[0].Error == nil || s.Cases[0].Name != "deploy/bad.yaml:3" || s.Cases[0].Line != 3 {
				t.Errorf("input error suite = %+v", s)
			}
		})
	}
}

func TestJUnitEmpty(t *testing.T) {
	raw := render(t, "junit", &report.Run{Target: "node"})
	var out junitOut
	if err := xml.Unmarshal([]byte(raw), &out); err != nil {
		t.Fatalf("invalid XML: %v\n%s", err, raw)
	}
	if out.Tests != 0 || len(out.Suites) != 0 || out.Name != "kubeward node" {
		t.Errorf("empty JUnit = %+v", out)
	}
}
