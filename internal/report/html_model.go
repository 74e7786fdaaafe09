package report

import (
	"sort"
	"time"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// overview is what the HTML and Markdown reports show before the findings:
// counts by status, FAIL by severity, compliance per plan layer and item,
// the namespaces and workloads with most FAIL, and the exceptions. It is
// built in one pass over the results and holds only counts and the
// exception rows, not the findings.
type overview struct {
	Statuses   map[result.Status]int
	FailBySev  map[catalog.Severity]int
	Layers     []layerStat
	TopNS      []tally
	TopSubject []tally
	Exceptions []*result.Result
	// Checks present among the listed results, in catalogue order, and
	// namespaces, sorted: the options of the report's filters.
	Checks     []string
	Namespaces []string
	LayersSeen []catalog.Layer
	StatusSeen []result.Status
	Listed     int // results listed (notices left out)
	Baseline   BaselineCounts
}

// layerStat is one plan layer's verdicts, item by item.
type layerStat struct {
	Layer catalog.Layer
	Items []itemStat
	itemStat
}

// itemStat counts a plan item's verdicts. Rate is PASS over the verdicts
// that judged something (PASS, FAIL, WARN, ERROR); IGNORED and
// NOT_APPLICABLE are shown but not rated.
type itemStat struct {
	Item                                       catalog.Item
	Pass, Fail, Warn, Error, Ignored, NotAppli int
}

func (s itemStat) judged() int { return s.Pass + s.Fail + s.Warn + s.Error }

// Rate is the percentage of judged verdicts that passed, -1 when none.
func (s itemStat) Rate() int {
	if s.judged() == 0 {
		return -1
	}
	return s.Pass * 100 / s.judged()
}

func (s *itemStat) add(st result.Status, n int) {
	switch st {
	case result.Pass:
		s.Pass += n
	case result.Fail:
		s.Fail += n
	case result.Warn:
		s.Warn += n
	case result.Error:
		s.Error += n
	case result.Ignored:
		s.Ignored += n
	case result.NotApplicable:
		s.NotAppli += n
	}
}

func buildOverview(run *Run) *overview {
	ov := &overview{Statuses: run.Counts(), FailBySev: map[catalog.Severity]int{}, Baseline: run.BaselineCounts()}
	items := map[string]*itemStat{}
	stat := func(id string) *itemStat {
		item := "?"
		if e := catalog.Get(id); e != nil {
			item = e.Item
		}
		s := items[item]
		if s == nil {
			s = &itemStat{Item: catalog.ItemByID(item)}
			if s.Item.ID == "" {
				s.Item = catalog.Item{ID: "?", Layer: catalog.LayerClusterPolicy, Title: catalog.Text{EN: "Checks outside the catalogue", ZH: "目录之外的检查项"}}
			}
			items[item] = s
		}
		return s
	}
	byNS, bySubject := map[string]int{}, map[string]int{}
	checks, namespaces := map[string]bool{}, map[string]bool{}
	layers, statuses := map[catalog.Layer]bool{}, map[result.Status]bool{}
	for i := range run.Results {
		r := &run.Results[i]
		if result.IsNotice(r) {
			continue
		}
		ov.Listed++
		checks[r.ID] = true
		statuses[r.Status] = true
		if r.Subject.Namespace != "" {
			namespaces[r.Subject.Namespace] = true
		}
		if e := r.Entry(); e != nil {
			layers[e.Layer()] = true
		}
		if r.Status == result.Pass {
			if _, counted := run.Passed[r.ID]; counted {
				continue
			}
		}
		stat(r.ID).add(r.Status, 1)
		switch r.Status {
		case result.Fail:
			ov.FailBySev[r.Severity]++
			if r.Subject.Namespace != "" {
				byNS[r.Subject.Namespace]++
			}
			s := r.Subject
			s.Container = ""
			bySubject[s.String()]++
		case result.Ignored:
			ov.Exceptions = append(ov.Exceptions, r)
		}
		if r.Exception != nil && r.Exception.Expired {
			ov.Exceptions = append(ov.Exceptions, r)
		}
	}
	for id, n := range run.Passed {
		if n > 0 {
			stat(id).add(result.Pass, n)
		}
	}
	for _, l := range catalog.Layers() {
		ls := layerStat{Layer: l, itemStat: itemStat{Item: catalog.Item{Layer: l, Title: l.Title()}}}
		for _, it := range catalog.Plan {
			if s := items[it.ID]; s != nil && it.Layer == l {
				ls.Items = append(ls.Items, *s)
			}
		}
		if s := items["?"]; s != nil && l == catalog.LayerClusterPolicy {
			ls.Items = append(ls.Items, *s)
		}
		for _, s := range ls.Items {
			ls.Pass += s.Pass
			ls.Fail += s.Fail
			ls.Warn += s.Warn
			ls.Error += s.Error
			ls.Ignored += s.Ignored
			ls.NotAppli += s.NotAppli
		}
		if len(ls.Items) > 0 {
			ov.Layers = append(ov.Layers, ls)
		}
	}
	ov.TopNS, ov.TopSubject = top(byNS, topN), top(bySubject, topN)
	for id := range checks {
		ov.Checks = append(ov.Checks, id)
	}
	sort.Slice(ov.Checks, func(a, b int) bool {
		ia, ib := itemOrderOf(ov.Checks[a]), itemOrderOf(ov.Checks[b])
		if ia != ib {
			return ia < ib
		}
		return ov.Checks[a] < ov.Checks[b]
	})
	for ns := range namespaces {
		ov.Namespaces = append(ov.Namespaces, ns)
	}
	sort.Strings(ov.Namespaces)
	for _, l := range catalog.Layers() {
		if layers[l] {
			ov.LayersSeen = append(ov.LayersSeen, l)
		}
	}
	for _, s := range statusOrder {
		if statuses[s] {
			ov.StatusSeen = append(ov.StatusSeen, s)
		}
	}
	return ov
}

func itemOrderOf(id string) int {
	if e := catalog.Get(id); e != nil {
		return catalog.ItemOrder(e.Item)
	}
	return catalog.ItemOrder("")
}

// severitiesDesc lists severities from the most severe.
var severitiesDesc = []catalog.Severity{catalog.SeverityCritical, catalog.SeverityHigh, catalog.SeverityMedium, catalog.SeverityLow}

// shownDate is when the report says the audit ran (or, for manifests, when
// the report was made), in the run's language.
func (r *Run) shownDate() (time.Time, string) {
	at := r.shownTime()
	if at.IsZero() {
		at = nowFunc()
	}
	at = at.UTC()
	if r.Lang == "zh" {
		return at, at.Format("2006年1月2日 15:04:05 UTC")
	}
	return at, at.Format("2 January 2006 15:04:05 UTC")
}

// targetWord is the kind of audit in the run's language.
func (r *Run) targetWord() string {
	switch r.Target {
	case "node", "cluster", "manifests":
		return r.tr(r.Target)
	}
	if r.Target == "" {
		return r.tr("manifests")
	}
	return r.Target
}
