// Package report renders results as text, JSON, SARIF 2.1.0 and JUnit XML,
// in English or Chinese.
package report

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/kubeward/kubeward/internal/benchmark"
	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// Run is everything a report shows about one audit.
type Run struct {
	// Kind of audit: "manifests", "node", "cluster".
	Target  string
	Inputs  []string
	Results []result.Result
	// Passed counts PASS verdicts by check ID; for a check it has an entry
	// for, the PASS results in Results (--show-passed) are a listing of
	// those, not more of them (result.Tally).
	Passed  map[string]int
	Objects int
	Skipped map[string]int
	Errors  []string
	Version string
	Lang    string
	FailOn  catalog.Severity
	Color   bool
	// BaseDir is the SARIF root (--sarif-root, default the working
	// directory): SARIF paths are relative to it, as GitHub code scanning
	// wants paths relative to the repository root.
	BaseDir string
	// ConfigFile is the --config file, shown in the text header ("" is the
	// built-in defaults).
	ConfigFile string
	// Time the audit ran and the Host it audited (node name or API server),
	// for live audits: evidence says when and where. Manifest reports leave
	// them unset so the same input gives the same report.
	Time time.Time
	Host string
	// Compact writes JSON on one line (one report per log line).
	Compact bool
	// Baseline, when set (scan --baseline), holds an earlier report's
	// findings: every format marks a finding it holds "unchanged" and the
	// others "new", and AtOrAbove counts only the new ones.
	Baseline *Baseline
	// Benchmark, when set (scan node|cluster --benchmark), is the compliance
	// view of the results against a CIS benchmark: every recommendation by
	// section with its verdict (pass, fail, manual with the audit step, not
	// applicable with the reason, error), the checks that decided it, and the
	// pass rate per section and overall. Every format renders it after the
	// findings; the plan view (Results) is unchanged. See benchmark.View.
	Benchmark *benchmark.View
}

// Counts tallies results by status, each PASS verdict once whether it is
// listed, counted or both (result.Tally). Notices (result.IsNotice) are not
// findings and are not counted.
func (r *Run) Counts() map[result.Status]int {
	c := result.Tally(r.Results, r.Passed)
	for i := range r.Results {
		if result.IsNotice(&r.Results[i]) {
			c[r.Results[i].Status]--
		}
	}
	for s, n := range c {
		if n == 0 {
			delete(c, s)
		}
	}
	return c
}

// Notices returns the results that are notices about the configuration,
// not findings about a subject (result.IsNotice).
func (r *Run) Notices() []*result.Result {
	var out []*result.Result
	for i := range r.Results {
		if result.IsNotice(&r.Results[i]) {
			out = append(out, &r.Results[i])
		}
	}
	return out
}

// AtOrAbove counts FAIL results at or above sev, leaving out those the
// baseline already holds.
func (r *Run) AtOrAbove(sev catalog.Severity) int {
	n := 0
	for i := range r.Results {
		if r.Results[i].Status == result.Fail && r.Results[i].Severity >= sev && !r.Baseline.Has(&r.Results[i]) {
			n++
		}
	}
	return n
}

// Formats lists the output formats.
var Formats = []string{"text", "json", "sarif", "junit", "html", "markdown"}

// Write renders the run in format.
func Write(w io.Writer, format string, run *Run) error {
	switch format {
	case "text", "":
		return writeText(w, run)
	case "json":
		return writeJSON(w, run)
	case "sarif":
		return writeSARIF(w, run)
	case "junit":
		return writeJUnit(w, run)
	case "html":
		return writeHTML(w, run)
	case "markdown":
		return writeMarkdown(w, run)
	}
	return fmt.Errorf("unknown output format %q (want text, json, sarif, junit, html or markdown)", format)
}

// tr returns the heading in the run's language.
func (r *Run) tr(key string) string {
	if t, ok := words[key]; ok {
		return t.In(r.Lang)
	}
	return key
}

var words = map[string]catalog.Text{
	"summary":        {EN: "Summary", ZH: "汇总"},
	"audited":        {EN: "Audited", ZH: "审计对象"},
	"objects":        {EN: "objects evaluated", ZH: "个对象已评估"},
	"skipped":        {EN: "skipped (no checks for these kinds)", ZH: "已跳过（这些类型没有检查项）"},
	"errors":         {EN: "Input errors", ZH: "输入错误"},
	"fix":            {EN: "Fix", ZH: "修复"},
	"evidence":       {EN: "Evidence", ZH: "证据"},
	"ignored":        {EN: "ignored", ZH: "已忽略"},
	"reason":         {EN: "reason", ZH: "原因"},
	"expired":        {EN: "exception expired after", ZH: "例外已过期，最后有效日（UTC）为"},
	"noFindings":     {EN: "No findings.", ZH: "未发现问题。"},
	"failOn":         {EN: "failures at or above", ZH: "达到或高于以下级别的失败项"},
	"PASS":           {EN: "PASS", ZH: "通过"},
	"FAIL":           {EN: "FAIL", ZH: "失败"},
	"WARN":           {EN: "WARN", ZH: "警告"},
	"IGNORED":        {EN: "IGNORED", ZH: "已忽略"},
	"ERROR":          {EN: "ERROR", ZH: "错误"},
	"NOT_APPLICABLE": {EN: "NOT APPLICABLE", ZH: "不适用"},
	"sarifLimit":     {EN: "%d results left out: GitHub code scanning accepts at most %d per run (the most severe are kept; -o json lists every result)", ZH: "省略了 %d 条结果：GitHub 代码扫描每次运行最多接受 %d 条（保留最严重的；-o json 列出全部结果）"},
	"exceptionFrom":  {EN: "exception from", ZH: "例外来源："},
	"planItem":       {EN: "plan item", ZH: "计划条目"},
	"severity":       {EN: "Severity", ZH: "严重级别"},
	"references":     {EN: "References", ZH: "参考"},
	"checksDoc":      {EN: "Check catalogue", ZH: "检查项目录"},
	"critical":       {EN: "critical", ZH: "严重"},
	"high":           {EN: "high", ZH: "高"},
	"medium":         {EN: "medium", ZH: "中"},
	"low":            {EN: "low", ZH: "低"},
	"commit":         {EN: "commit", ZH: "提交"},
	"inputs":         {EN: "Inputs", ZH: "输入"},
	"nodeRoot":       {EN: "Node root", ZH: "节点根目录"},
	"apiServer":      {EN: "API server", ZH: "API 服务器"},
	"config":         {EN: "Configuration", ZH: "配置文件"},
	"defaultConfig":  {EN: "(none: built-in defaults)", ZH: "（无：使用内置默认值）"},
	"time":           {EN: "Time", ZH: "时间"},
	"host":           {EN: "Host", ZH: "主机"},
	"passed":         {EN: "passed this check", ZH: "通过此项检查"},
	"failBySeverity": {EN: "FAIL by severity", ZH: "失败项按严重级别"},
	"topNamespaces":  {EN: "Namespaces with most FAIL", ZH: "失败项最多的命名空间"},
	"topSubjects":    {EN: "Objects with most FAIL", ZH: "失败项最多的对象"},
	"notEvaluated":   {EN: "Could not evaluate (ERROR)", ZH: "无法评估（错误）"},
	"andMore":        {EN: "… and %d more", ZH: "…… 另有 %d 项"},
	"notice":         {EN: "Notice", ZH: "提示"},
	"manifests":      {EN: "manifests", ZH: "清单"},
	"node":           {EN: "node", ZH: "节点"},
	"cluster":        {EN: "cluster", ZH: "集群"},
	"countedPasses":  {EN: "subjects passed (counted)", ZH: "通过的对象（计数）"},
	"nPassed":        {EN: "%d subjects passed", ZH: "%d 个对象通过"},
}

// sev is a severity's word in the run's language.
func (r *Run) sev(s catalog.Severity) string { return r.tr(s.String()) }

// statusOrder is the order statuses are summarised in.
var statusOrder = []result.Status{result.Fail, result.Warn, result.Error, result.Ignored, result.NotApplicable, result.Pass}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
