package report

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",chardata"`
}

// Suite names that are not check IDs.
const (
	junitInputSuite  = "input-errors"
	junitNoticeSuite = "configuration-notices"
)

// junitRank orders statuses for the one case of a check and subject: the
// case shows the worst.
var junitRank = map[result.Status]int{result.Error: 5, result.Fail: 4, result.Warn: 3, result.Ignored: 2, result.NotApplicable: 1, result.Pass: 0}

// writeJUnit writes one test suite per check and one test case per check
// and subject (the subject string, container included: the same name every
// run). A case with several results shows the worst (ERROR, FAIL, WARN,
// IGNORED, NOT_APPLICABLE, PASS) and lists them all. FAIL is <failure> with
// the remediation in its body, ERROR is <error>, WARN is <skipped> with
// message "WARN: …" (a person must judge: not a failure, not a pass),
// IGNORED and NOT_APPLICABLE are <skipped> with the reason. PASS verdicts
// counted but not listed are one case per check named "subjects passed
// (counted)". Input errors are <error> cases of suite input-errors, one per
// error, named by file and line; configuration notices are <skipped> cases
// of suite configuration-notices.
//
// Suites are built and written one at a time (each twice: once to count the
// totals of <testsuites>, once to write it), so memory does not grow with
// the number of findings.
func writeJUnit(w io.Writer, run *Run) error {
	byID := map[string][]int32{}
	var notices []int32
	for i := range run.Results {
		r := &run.Results[i]
		if result.IsNotice(r) {
			notices = append(notices, int32(i))
			continue
		}
		byID[r.ID] = append(byID[r.ID], int32(i))
	}
	listed := result.ListedPasses(run.Results)
	counted := map[string]int{}
	for id, n := range run.Passed {
		if n -= listed[id]; n > 0 {
			counted[id] = n
			if _, ok := byID[id]; !ok {
				byID[id] = nil
			}
		}
	}
	inputErrors := run.inputErrors()
	ids := make([]string, 0, len(byID)+2)
	for id := range byID {
		ids = append(ids, id)
	}
	if len(inputErrors) > 0 {
		ids = append(ids, junitInputSuite)
	}
	if len(notices) > 0 {
		ids = append(ids, junitNoticeSuite)
	}
	sort.Strings(ids)
	build := func(id string, bodies bool) *junitSuite {
		var s *junitSuite
		switch id {
		case junitInputSuite:
			s = junitInputErrors(run, inputErrors)
		case junitNoticeSuite:
			s = &junitSuite{Name: junitNoticeSuite}
			for _, i := range notices {
				r := &run.Results[i]
				s.Cases = append(s.Cases, junitCase{Name: r.ID + " " + r.Subject.Name, Classname: r.ID,
					Skipped: &junitMessage{Message: noticeText(r, run.Lang)}})
			}
		default:
			s = junitCheckSuite(run, id, byID[id], counted[id], bodies)
		}
		for i := range s.Cases {
			c := &s.Cases[i]
			switch {
			case c.Failure != nil:
				s.Failures++
			case c.Error != nil:
				s.Errors++
			case c.Skipped != nil:
				s.Skipped++
			}
		}
		s.Tests = len(s.Cases)
		return s
	}
	out := junitSuites{Name: "kubeward " + run.tr(run.Target)}
	for _, id := range ids {
		s := build(id, false)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	bench := benchmarkJUnitSuites(run)
	for _, s := range bench {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	attr := func(name string, v any) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: fmt.Sprint(v)} }
	start := xml.StartElement{Name: xml.Name{Local: "testsuites"}, Attr: []xml.Attr{attr("name", out.Name), attr("tests", out.Tests),
		attr("failures", out.Failures), attr("errors", out.Errors), attr("skipped", out.Skipped)}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	for _, id := range ids {
		if err := enc.EncodeElement(build(id, true), xml.StartElement{Name: xml.Name{Local: "testsuite"}}); err != nil {
			return err
		}
	}
	for i := range bench {
		if err := enc.EncodeElement(&bench[i], xml.StartElement{Name: xml.Name{Local: "testsuite"}}); err != nil {
			return err
		}
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	if err := enc.Flush(); err != nil {
		return err
	}
	bw.WriteString("\n")
	return bw.Flush()
}

// junitCheckSuite is the suite of check id: one case per subject of its
// results idx (in their order), then the counted passes.
func junitCheckSuite(run *Run, id string, idx []int32, passes int, bodies bool) *junitSuite {
	name := id
	if e := catalog.Get(id); e != nil {
		name = id + " " + e.Title.In(run.Lang)
	}
	s := &junitSuite{Name: name}
	bySubject := map[string][]*result.Result{}
	var order []string
	for _, i := range idx {
		r := &run.Results[i]
		k := r.Subject.String()
		if _, ok := bySubject[k]; !ok {
			order = append(order, k)
		}
		bySubject[k] = append(bySubject[k], r)
	}
	for _, subject := range order {
		s.Cases = append(s.Cases, junitCaseOf(run, id, subject, bySubject[subject], bodies))
	}
	if passes > 0 {
		s.Cases = append(s.Cases, junitCase{Name: run.tr("countedPasses"), Classname: id,
			SystemOut: fmt.Sprintf(run.tr("nPassed"), passes)})
	}
	return s
}

func junitCaseOf(run *Run, id, subject string, rs []*result.Result, bodies bool) junitCase {
	worst := rs[0]
	for _, r := range rs[1:] {
		if junitRank[r.Status] > junitRank[worst.Status] {
			worst = r
		}
	}
	c := junitCase{Name: subject, Classname: id}
	if worst.Location != nil {
		c.File, c.Line = worst.Location.File, worst.Location.Line
	}
	var body strings.Builder
	for _, r := range rs {
		if r.Status == result.Pass || !bodies {
			continue
		}
		if len(rs) > 1 {
			fmt.Fprintf(&body, "[%s] ", run.tr(string(r.Status)))
		}
		body.WriteString(r.Message.In(run.Lang))
		if r.Evidence != "" {
			fmt.Fprintf(&body, "\n%s: %s", run.tr("evidence"), run.evidence(r))
		}
		if loc := r.Location.String(); loc != "" {
			fmt.Fprintf(&body, "\n%s", loc)
		}
		body.WriteString("\n")
	}
	msg := worst.Message.In(run.Lang)
	if msg == "" {
		if e := worst.Entry(); e != nil {
			msg = e.Title.In(run.Lang)
		}
	}
	// With --baseline, a case whose every FAIL the baseline holds is not a
	// failure: it is skipped as unchanged, and only new FAILs fail.
	if worst.Status == result.Fail && run.Baseline != nil {
		known := true
		for _, r := range rs {
			if r.Status == result.Fail && !run.Baseline.Has(r) {
				known = false
			}
		}
		if known {
			c.Skipped = &junitMessage{Message: run.hw("blUnchanged") + ": " + msg}
			c.SystemOut = body.String()
			return c
		}
	}
	switch worst.Status {
	case result.Fail:
		if e := worst.Entry(); e != nil && bodies {
			fmt.Fprintf(&body, "%s: %s\n", run.tr("fix"), e.Remediation.In(run.Lang))
		}
		c.Failure = &junitMessage{Message: msg, Type: worst.Severity.String(), Body: body.String()}
	case result.Error:
		c.Error = &junitMessage{Message: msg, Body: body.String()}
	case result.Warn:
		c.Skipped = &junitMessage{Message: run.tr("WARN") + ": " + msg}
		c.SystemOut = body.String()
	case result.Ignored, result.NotApplicable:
		if x := worst.Exception; x != nil {
			msg = run.tr("ignored") + ": " + x.Reason
		}
		c.Skipped = &junitMessage{Message: msg}
	}
	return c
}

// junitInputErrors is the suite of input errors: one <error> case each,
// named by file and line.
func junitInputErrors(run *Run, errs []InputError) *junitSuite {
	s := &junitSuite{Name: junitInputSuite}
	for _, e := range errs {
		name := e.File
		if e.Line > 0 {
			name = fmt.Sprintf("%s:%d", e.File, e.Line)
		}
		if name == "" {
			name = e.Message
		}
		s.Cases = append(s.Cases, junitCase{Name: name, Classname: junitInputSuite, File: e.File, Line: e.Line,
			Error: &junitMessage{Message: e.Message, Type: run.tr("errors"), Body: e.Message}})
	}
	return s
}
