package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// benchRun is a node run with a compliance view against CIS Docker v1.6.0:
// one failing check (5.12), one passing (2.2), one not applicable (5.1 with
// a reason), the rest manual or decided by nothing.
func benchRun(t *testing.T, lang string) *Run {
	t.Helper()
	b, err := benchmark.Get(benchmark.CISDocker)
	if err != nil {
		t.Fatal(err)
	}
	entries := []*catalog.Entry{
		{ID: "KW-T-1", References: []string{"CIS Docker v1.6.0 5.12"}, Scope: []string{"node"}},
		{ID: "KW-T-2", References: []string{"CIS Docker v1.6.0 2.2"}, Scope: []string{"node"}},
		{ID: "KW-T-3", References: []string{"CIS Docker v1.6.0 5.1"}, Scope: []string{"node"}},
	}
	rs := []result.Result{
		{ID: "KW-T-1", Status: result.Fail, Subject: result.Subject{Kind: "docker container web"}, Message: catalog.Text{EN: "no CPU shares", ZH: "未设置 CPU 份额"}},
		{ID: "KW-T-2", Status: result.Pass, Subject: result.Subject{Kind: "dockerd"}},
		{ID: "KW-T-3", Status: result.NotApplicable, Subject: result.Subject{Kind: "dockerd"}, Message: catalog.Text{EN: "swarm is inactive", ZH: "swarm 未启用"}},
	}
	v := benchmark.Build(b, entries, rs, nil, benchmark.Options{Scan: "node"})
	return &Run{Target: "node", Results: rs, Lang: lang, Benchmark: v}
}

func TestBenchmarkRendering(t *testing.T) {
	for _, tc := range []struct {
		format, lang string
		want         []string
	}{
		{"text", "en", []string{"Compliance with CIS Docker Benchmark v1.6.0 (node scan)", "FAIL", "5.12", "Ensure that CPU priority is set appropriately on containers",
			"checks: KW-T-1 (1 failed, 0 passed)", "PASS", "N/A", "swarm is inactive", "MANUAL", "audit: review the host against", "Overall: pass rate 50.0%",
			"Pass rate = pass / (pass + fail + error)"}},
		{"text", "zh", []string{"CIS Docker Benchmark v1.6.0 合规情况（节点 扫描）", "失败", "不适用", "swarm 未启用", "人工检查", "审计步骤:", "总计: 通过率 50.0%", "容器运行时配置"}},
		{"json", "en", []string{`"benchmark": {`, `"benchmark": "cis-docker-1.6.0"`, `"status": "fail"`, `"passRate": 50`}},
		{"sarif", "en", []string{`"kubeward/benchmark"`, `"status": "manual"`, `"audit": "getent group docker`}},
		{"junit", "en", []string{`<testsuite name="CIS Docker v1.6.0 5 Container Runtime Configuration"`, `<failure message="FAIL: Ensure that CPU priority`, `<skipped message="MANUAL: audit:`}},
	} {
		t.Run(tc.format+"/"+tc.lang, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tc.format, benchRun(t, tc.lang)); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s %s report lacks %q", tc.format, tc.lang, w)
				}
			}
			switch tc.format {
			case "json", "sarif":
				if !json.Valid(buf.Bytes()) {
					t.Error("invalid JSON")
				}
			case "junit":
				var s junitSuites
				if err := xml.Unmarshal(buf.Bytes(), &s); err != nil {
					t.Fatal(err)
				}
				// Every recommendation is a case: 117, plus the runs' own.
				cases := 0
				for _, su := range s.Suites {
					if strings.HasPrefix(su.Name, "CIS Docker v1.6.0") {
						cases += len(su.Cases)
					}
				}
				if cases != 117 {
					t.Errorf("%d benchmark cases, want 117", cases)
				}
			}
		})
	}
}

func TestNoBenchmarkNoView(t *testing.T) {
	run := benchRun(t, "en")
	run.Benchmark = nil
	for _, f := range []string{"text", "json", "sarif", "junit"} {
		var buf bytes.Buffer
		if err := Write(&buf, f, run); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "CIS Docker v1.6.0") || strings.Contains(buf.String(), "kubeward/benchmark") {
			t.Errorf("%s shows a compliance view that was not asked for", f)
		}
	}
}
