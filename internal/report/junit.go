package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"

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

// writeJUnit writes one test suite per check: a test case per finding, and
// one case standing for the objects that passed.
func writeJUnit(w io.Writer, run *Run) error {
	suites := map[string]*junitSuite{}
	suite := func(id string) *junitSuite {
		s := suites[id]
		if s == nil {
			name := id
			if e := catalog.Get(id); e != nil {
				name = id + " " + e.Title.In(run.Lang)
			}
			s = &junitSuite{Name: name}
			suites[id] = s
		}
		return s
	}
	for i := range run.Results {
		r := &run.Results[i]
		s := suite(r.ID)
		c := junitCase{Name: r.Subject.String(), Classname: r.ID}
		if r.Location != nil {
			c.File, c.Line = r.Location.File, r.Location.Line
		}
		body := fmt.Sprintf("%s\n%s\n%s", r.Message.In(run.Lang), r.Evidence, r.Location.String())
		switch r.Status {
		case result.Fail:
			c.Failure = &junitMessage{Message: r.Message.In(run.Lang), Type: r.Severity.String(), Body: body}
			s.Failures++
		case result.Error:
			c.Error = &junitMessage{Message: r.Message.In(run.Lang), Body: body}
			s.Errors++
		case result.Ignored, result.NotApplicable:
			msg := r.Message.In(run.Lang)
			if r.Exception != nil {
				msg = "ignored: " + r.Exception.Reason
			}
			c.Skipped = &junitMessage{Message: msg}
			s.Skipped++
		case result.Warn:
			c.SystemOut = "WARN: " + body
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	// Passes counted but not listed above become one case per check.
	listed := result.ListedPasses(run.Results)
	for id, n := range run.Passed {
		if n -= listed[id]; n <= 0 {
			continue
		}
		s := suite(id)
		s.Tests++
		s.Cases = append(s.Cases, junitCase{Name: fmt.Sprintf("%d subjects passed", n), Classname: id})
	}
	out := junitSuites{Name: "kubeward " + run.Target}
	ids := make([]string, 0, len(suites))
	for id := range suites {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := suites[id]
		out.Suites = append(out.Suites, *s)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
