package benchmark

import (
	"sort"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// Status is a recommendation's verdict in the compliance view.
type Status string

// The verdicts of a recommendation.
const (
	// Pass: every check implementing it passed (or was not applicable on
	// some subjects and passed on the others).
	Pass Status = "pass"
	// Fail: a check implementing it failed on some subject.
	Fail Status = "fail"
	// Manual: no check decides it (the benchmark marks it Manual, or
	// kubeward does not automate it), a check asked a person to confirm
	// (WARN), or an exception waived a failure: a person must check it,
	// following Audit.
	Manual Status = "manual"
	// NotApplicable: what it audits is not there (no Docker, no swarm, no
	// etcd on this node), or it is evaluated by another kind of scan; the
	// reason says which.
	NotApplicable Status = "not-applicable"
	// Error: a check implementing it could not be evaluated.
	Error Status = "error"
)

// View is the compliance view of one audit against one benchmark: every
// recommendation, grouped by section, with its verdict, the checks that
// decided it, and pass rates per section and overall. Manual
// recommendations are listed with their audit step, never dropped.
//
// report.Run.Benchmark carries it; every renderer (text, JSON, SARIF,
// JUnit, HTML, Markdown) shows it when set. It is built by Build from the
// run's results; renderers only read it.
type View struct {
	// Benchmark is the benchmark's ID (cis-kubernetes-1.12), Name its title
	// with version, Cite the prefix of the pinned references, Source where
	// its numbering comes from.
	Benchmark string `json:"benchmark"`
	Name      string `json:"name"`
	Cite      string `json:"cite"`
	Source    string `json:"source"`
	// Scan is the audit the view was built from: "node" or "cluster".
	Scan     string        `json:"scan"`
	Sections []SectionView `json:"sections"`
	// Total tallies every recommendation.
	Total Tally `json:"total"`
}

// SectionView is one section of the view.
type SectionView struct {
	ID              string               `json:"id"`
	Title           catalog.Text         `json:"title"`
	Recommendations []RecommendationView `json:"recommendations"`
	Tally           Tally                `json:"tally"`
}

// RecommendationView is one recommendation's verdict.
type RecommendationView struct {
	ID string `json:"id"`
	// Title is the benchmark's title (English, as published).
	Title     string `json:"title"`
	Automated bool   `json:"automated"`
	Status    Status `json:"status"`
	// Checks are the kubeward checks implementing it (none for a
	// recommendation only a person can check).
	Checks []string `json:"checks,omitempty"`
	// Reason says why the verdict is manual, not applicable or an error.
	Reason *catalog.Text `json:"reason,omitempty"`
	// Audit is the step a person runs: always set; renderers show it for
	// manual recommendations.
	Audit string `json:"audit"`
	// Note says where kubeward's plan deliberately differs from the
	// benchmark.
	Note *catalog.Text `json:"note,omitempty"`
	// Failed and Passed count the subjects (components, files, containers,
	// objects) its checks failed and passed.
	Failed int `json:"failed,omitempty"`
	Passed int `json:"passed,omitempty"`
}

// Tally counts recommendations by verdict. Rate is the pass rate in
// percent: passed / (passed + failed + errors), the recommendations a
// check decided; manual and not-applicable ones are left out. Rate is -1
// when no recommendation was decided.
type Tally struct {
	Total         int     `json:"total"`
	Pass          int     `json:"pass"`
	Fail          int     `json:"fail"`
	Manual        int     `json:"manual"`
	NotApplicable int     `json:"notApplicable"`
	Error         int     `json:"error"`
	Rate          float64 `json:"passRate"`
}

func (t *Tally) add(s Status) {
	t.Total++
	switch s {
	case Pass:
		t.Pass++
	case Fail:
		t.Fail++
	case Manual:
		t.Manual++
	case NotApplicable:
		t.NotApplicable++
	case Error:
		t.Error++
	}
}

func (t *Tally) finish() {
	decided := t.Pass + t.Fail + t.Error
	if decided == 0 {
		t.Rate = -1
		return
	}
	// One decimal, so the figure is stable across platforms.
	t.Rate = float64(int(float64(t.Pass)*1000/float64(decided)+0.5)) / 10
}

// Options are the facts of the audit Build needs besides the results.
type Options struct {
	// Scan is the audit: "node" or "cluster".
	Scan string
	// Absent, when set, says the benchmark's subject is not there at all
	// (no Docker Engine on the node): recommendations no result decided
	// are not applicable for this reason instead of manual.
	Absent *catalog.Text
	// SwarmActive reports whether Docker swarm mode is active; swarm-only
	// recommendations no result decided are not applicable when it is not.
	SwarmActive bool
}

// Build makes the compliance view of results (with passed, the PASS
// verdicts counted by check ID as report.Run.Passed holds them) against b,
// reading which checks implement which recommendation, and in which scans
// they run, from the catalogue entries.
func Build(b *Benchmark, entries []*catalog.Entry, results []result.Result, passed map[string]int, o Options) *View {
	impl := b.Implementers(entries)
	// The recommendations each check implements, for Match.
	recsOf := map[string][]*Recommendation{}
	for si := range b.Sections {
		for ri := range b.Sections[si].Recommendations {
			r := &b.Sections[si].Recommendations[ri]
			for _, id := range impl[r.ID] {
				recsOf[id] = append(recsOf[id], r)
			}
		}
	}
	scopes := map[string][]string{}
	for _, e := range entries {
		scopes[e.ID] = e.Scope
	}
	byID := map[string][]*result.Result{}
	for i := range results {
		if result.IsNotice(&results[i]) {
			continue
		}
		byID[results[i].ID] = append(byID[results[i].ID], &results[i])
	}
	v := &View{Benchmark: b.ID, Name: b.Name, Cite: b.Cite, Source: b.Source, Scan: o.Scan}
	for _, s := range b.Sections {
		sv := SectionView{ID: s.ID, Title: s.Title}
		for i := range s.Recommendations {
			r := &s.Recommendations[i]
			rv := judge(r, impl[r.ID], byID, passed, scopes, recsOf, o)
			sv.Tally.add(rv.Status)
			v.Total.add(rv.Status)
			sv.Recommendations = append(sv.Recommendations, rv)
		}
		sv.Tally.finish()
		v.Sections = append(v.Sections, sv)
	}
	v.Total.finish()
	return v
}

// matches reports whether a result's subject or location names one of ms.
func matches(res *result.Result, ms []string) bool {
	text := res.Subject.Kind + " " + res.Subject.Name
	if res.Location != nil {
		text += " " + res.Location.File + " " + res.Location.Path
	}
	for _, m := range ms {
		if strings.Contains(text, m) {
			return true
		}
	}
	return false
}

// concerns reports whether a result of a check implementing recs is about
// r: always when the check implements r alone or r has no Match; else when
// it matches r, or matches none of recs (so no finding is lost).
func concerns(res *result.Result, r *Recommendation, recs []*Recommendation) bool {
	if len(recs) < 2 || len(r.Match) == 0 {
		return true
	}
	if matches(res, r.Match) {
		return true
	}
	for _, other := range recs {
		if other != r && len(other.Match) > 0 && matches(res, other.Match) {
			return false
		}
	}
	return true
}

func judge(r *Recommendation, checks []string, byID map[string][]*result.Result, passed map[string]int, scopes map[string][]string,
	recsOf map[string][]*Recommendation, o Options) RecommendationView {
	rv := RecommendationView{ID: r.ID, Title: r.Title, Automated: r.Automated, Audit: r.Audit, Note: r.Note, Checks: checks}
	var fails, errs, warns, ignored, nas []*result.Result
	inScope := false
	for _, id := range checks {
		for _, sc := range scopes[id] {
			if sc == o.Scan {
				inScope = true
			}
		}
		for _, res := range byID[id] {
			// A result of a check implementing several recommendations
			// speaks for this one when it names it, or names none of them
			// (admin.conf's owner passing says nothing of the scheduler's
			// kubeconfig; a FAIL naming none is never lost).
			if !concerns(res, r, recsOf[id]) {
				continue
			}
			switch res.Status {
			case result.Fail:
				fails = append(fails, res)
			case result.Error:
				errs = append(errs, res)
			case result.Warn:
				warns = append(warns, res)
			case result.Ignored:
				ignored = append(ignored, res)
			case result.NotApplicable:
				nas = append(nas, res)
			case result.Pass:
				if _, counted := passed[id]; !counted {
					rv.Passed++
				}
			}
		}
		rv.Passed += passed[id]
	}
	rv.Failed = len(fails)
	switch {
	case len(fails) > 0:
		rv.Status = Fail
	case len(errs) > 0:
		rv.Status = Error
		rv.Reason = firstMessage(errs)
	case len(warns) > 0:
		rv.Status = Manual
		rv.Reason = firstMessage(warns)
	case len(ignored) > 0:
		rv.Status = Manual
		t := catalog.F("a finding was waived by an exception: %s", "一项发现已被例外豁免：%s", exceptionReason(ignored[0]))
		rv.Reason = &t
	case rv.Passed > 0:
		rv.Status = Pass
	case len(nas) > 0:
		rv.Status = NotApplicable
		rv.Reason = firstMessage(nas)
	case o.Absent != nil:
		rv.Status = NotApplicable
		rv.Reason = o.Absent
	case r.Swarm && !o.SwarmActive:
		rv.Status = NotApplicable
		t := catalog.Text{EN: "Docker swarm mode is not active on this node", ZH: "此节点未启用 Docker swarm 模式"}
		rv.Reason = &t
	case len(checks) > 0 && !inScope:
		rv.Status = NotApplicable
		other := otherScans(checks, scopes)
		t := catalog.F("evaluated by kubeward scan %s, not by this %s scan", "由 kubeward scan %s 评估，不在本次 %s 扫描中评估", other, o.Scan)
		rv.Reason = &t
	case len(checks) > 0:
		rv.Status = Manual
		t := catalog.F("no subject to judge in this scan (checks %s); check it by hand", "本次扫描没有可判定的对象（检查项 %s）；请人工检查", strings.Join(checks, ", "))
		rv.Reason = &t
	default:
		rv.Status = Manual
		t := catalog.Text{EN: "no kubeward check decides it: a person checks it with the audit step", ZH: "没有 kubeward 检查项判定此项：需由人按审计步骤检查"}
		if r.Automated {
			t = catalog.Text{EN: "the benchmark scores it, but kubeward does not automate it: a person checks it with the audit step", ZH: "基准对此项计分，但 kubeward 未实现自动检查：需由人按审计步骤检查"}
		}
		rv.Reason = &t
	}
	return rv
}

func firstMessage(rs []*result.Result) *catalog.Text {
	m := rs[0].Message
	if m.EN == "" {
		m = catalog.Text{EN: rs[0].Evidence, ZH: rs[0].Evidence}
	}
	return &m
}

func exceptionReason(r *result.Result) string {
	if r.Exception != nil {
		return r.Exception.Reason
	}
	return ""
}

// otherScans names the scans that run any of checks, sorted.
func otherScans(checks []string, scopes map[string][]string) string {
	set := map[string]bool{}
	for _, id := range checks {
		for _, s := range scopes[id] {
			if s == "node" || s == "cluster" || s == "manifest" {
				set[s] = true
			}
		}
	}
	var out []string
	for s := range set {
		if s == "manifest" {
			s = "manifests"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "?"
	}
	return strings.Join(out, " / ")
}
