package benchmark

import (
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

func TestBuild(t *testing.T) {
	b, err := Get(CISDocker)
	if err != nil {
		t.Fatal(err)
	}
	e := func(id string, scope string, recs ...string) *catalog.Entry {
		en := &catalog.Entry{ID: id, Scope: []string{scope}}
		for _, r := range recs {
			en.References = append(en.References, b.Cite+" "+r)
		}
		return en
	}
	entries := []*catalog.Entry{
		e("A", "node", "2.2"), e("B", "node", "2.3"), e("C", "node", "2.4"), e("D", "node", "2.5"), e("E", "node", "2.6"),
		e("F", "node", "2.7"), e("G", "manifest", "2.9"), e("NS", "node", "5.10", "5.16", "5.17"), e("H", "node", "2.10"),
	}
	ctr := result.Subject{Kind: "docker container web (0123)"}
	at := func(p string) *result.Location { return &result.Location{File: "/containers/0123/json", Path: p} }
	rs := []result.Result{
		{ID: "A", Status: result.Fail, Subject: ctr},
		{ID: "A", Status: result.Pass, Subject: ctr},
		{ID: "B", Status: result.Error, Message: catalog.Text{EN: "cannot read", ZH: "无法读取"}},
		{ID: "C", Status: result.Warn, Message: catalog.Text{EN: "confirm it", ZH: "请确认"}},
		{ID: "D", Status: result.Ignored, Exception: &result.Exception{Reason: "accepted by the CISO"}},
		{ID: "E", Status: result.NotApplicable, Message: catalog.Text{EN: "no dockerd", ZH: "没有 dockerd"}},
		{ID: "NS", Status: result.Fail, Subject: ctr, Location: at("HostConfig.PidMode")},
		{ID: "NS", Status: result.Pass, Subject: ctr, Location: at("HostConfig")},
	}
	v := Build(b, entries, rs, map[string]int{"F": 3}, Options{Scan: "node"})
	got := map[string]RecommendationView{}
	for _, s := range v.Sections {
		for _, r := range s.Recommendations {
			got[r.ID] = r
		}
	}
	for id, want := range map[string]struct {
		status Status
		reason string
	}{
		"2.2":  {Fail, ""},
		"2.3":  {Error, "cannot read"},
		"2.4":  {Manual, "confirm it"},
		"2.5":  {Manual, "accepted by the CISO"},
		"2.6":  {NotApplicable, "no dockerd"},
		"2.7":  {Pass, ""},
		"2.9":  {NotApplicable, "evaluated by kubeward scan manifests, not by this node scan"},
		"2.10": {Manual, "no subject to judge in this scan (checks H)"},
		"2.1":  {Manual, "no kubeward check decides it"},
		"2.18": {Manual, "the benchmark scores it, but kubeward does not automate it"},
		"5.16": {Fail, ""},
		"5.10": {Pass, ""}, // NS failed on PidMode only
		"5.17": {Pass, ""},
		"7.3":  {NotApplicable, "swarm mode is not active"},
	} {
		r := got[id]
		reason := ""
		if r.Reason != nil {
			reason = r.Reason.EN
			if r.Reason.ZH == "" {
				t.Errorf("%s: reason without Chinese", id)
			}
		}
		if r.Status != want.status || !strings.Contains(reason, want.reason) {
			t.Errorf("%s = %s (%q), want %s (%q)", id, r.Status, reason, want.status, want.reason)
		}
	}
	if got["2.7"].Passed != 3 || got["2.2"].Failed != 1 || got["2.2"].Passed != 1 {
		t.Errorf("counts: 2.7 %+v, 2.2 %+v", got["2.7"], got["2.2"])
	}
	// Pass rate: pass / (pass + fail + error) over the whole table.
	tt := v.Total
	if tt.Total != 117 || tt.Pass != 3 || tt.Fail != 2 || tt.Error != 1 || tt.Rate != 50 {
		t.Errorf("total = %+v", tt)
	}
	for _, s := range v.Sections {
		if s.ID == "7" && s.Tally.Rate != -1 {
			t.Errorf("section 7 rate = %v, want -1 (nothing decided)", s.Tally.Rate)
		}
	}
	// A node without Docker: every undecided recommendation is not
	// applicable with the reason, none is manual.
	absent := catalog.Text{EN: "no dockerd here", ZH: "这里没有 dockerd"}
	v = Build(b, nil, nil, nil, Options{Scan: "node", Absent: &absent})
	if v.Total.NotApplicable != 117 {
		t.Errorf("absent: %+v", v.Total)
	}
}
