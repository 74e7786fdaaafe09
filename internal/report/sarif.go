package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// MaxSARIFResults is the most results one SARIF run carries: GitHub code
// scanning rejects a run with more. Past it, the most severe are kept and a
// tool execution notification says how many were left out.
const MaxSARIFResults = 25000

// ChecksDocURL is where each rule's helpUri points: docs/checks.md with the
// check ID, lower-case, as the anchor.
const ChecksDocURL = "https://github.com/kubeward/kubeward/blob/main/docs/checks.md"

// SARIF 2.1.0, the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool         `json:"tool"`
	AutomationDetails sarifAutomation   `json:"automationDetails"`
	Invocations       []sarifInvocation `json:"invocations"`
	Results           json.RawMessage   `json:"results"` // streamed
	ColumnKind        string            `json:"columnKind"`
	// Properties carry the compliance view (scan --benchmark).
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifAutomation struct {
	ID string `json:"id"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string            `json:"name"`
	Version        string            `json:"version"`
	InformationURI string            `json:"informationUri"`
	Rules          []sarifRule       `json:"rules"`
	Properties     map[string]string `json:"properties,omitempty"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	HelpURI              string         `json:"helpUri,omitempty"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful            bool                `json:"executionSuccessful"`
	ToolExecutionNotifications     []sarifNotification `json:"toolExecutionNotifications"`
	ToolConfigurationNotifications []sarifNotification `json:"toolConfigurationNotifications"`
}

type sarifNotification struct {
	Descriptor     *sarifReference `json:"descriptor,omitempty"`
	AssociatedRule *sarifReference `json:"associatedRule,omitempty"`
	Level          string          `json:"level"`
	Message        sarifText       `json:"message"`
	Locations      []sarifLocation `json:"locations,omitempty"`
}

type sarifReference struct {
	ID string `json:"id"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	// BaselineState is "new" or "unchanged" with --baseline.
	BaselineState string `json:"baselineState,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

var securitySeverity = map[catalog.Severity]string{
	catalog.SeverityCritical: "9.5", catalog.SeverityHigh: "8.0", catalog.SeverityMedium: "5.5", catalog.SeverityLow: "3.0",
}

// sarifLevel is the SARIF level of a result, "" when the status is not a
// SARIF result (PASS, NOT_APPLICABLE; ERROR is a tool notification).
func sarifLevel(s result.Status) string {
	switch s {
	case result.Fail:
		return "error"
	case result.Warn:
		return "warning"
	case result.Ignored:
		return "note"
	}
	return ""
}

// writeSARIF writes FAIL results as errors, WARN as warnings and IGNORED as
// suppressed notes, with the catalogue entries as rules. Every result has a
// physical location with a relative URI and a start line (sarifURI). ERROR
// results and input errors are tool execution notifications; notices about
// the configuration are tool configuration notifications. Results are
// rendered one at a time as they are written.
func writeSARIF(w io.Writer, run *Run) error {
	build := BuildOf(run.Version)
	driver := sarifDriver{Name: "kubeward", Version: build.Version, InformationURI: "https://github.com/kubeward/kubeward", Rules: []sarifRule{}}
	if build.Commit != "" {
		driver.Properties = map[string]string{"commit": build.Commit}
	}
	root := sarifRoot(run.BaseDir)
	uris := &fileURIs{run: run, root: root}
	inv := sarifInvocation{ExecutionSuccessful: len(run.Errors) == 0,
		ToolExecutionNotifications: []sarifNotification{}, ToolConfigurationNotifications: []sarifNotification{}}

	// The results kept: every FAIL, WARN and IGNORED up to the limit, the
	// most severe first when there are more.
	var keep []int32
	ruleIndex := map[string]int{}
	for i := range run.Results {
		r := &run.Results[i]
		switch {
		case result.IsNotice(r):
			inv.ToolConfigurationNotifications = append(inv.ToolConfigurationNotifications, sarifNotification{
				Descriptor: &sarifReference{ID: r.ID}, AssociatedRule: &sarifReference{ID: r.ID},
				Level: "warning", Message: sarifText{Text: noticeText(r, run.Lang)}})
		case r.Status == result.Error:
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
				Descriptor: &sarifReference{ID: r.ID}, AssociatedRule: &sarifReference{ID: r.ID},
				Level: "error", Message: sarifText{Text: sarifMessage(r, run.Lang)},
				Locations: []sarifLocation{sarifLocationOf(run, uris, r)}})
		case sarifLevel(r.Status) != "":
			keep = append(keep, int32(i))
		}
	}
	for _, e := range run.inputErrors() {
		n := sarifNotification{Descriptor: &sarifReference{ID: "input-error"}, Level: "error", Message: sarifText{Text: e.Message}}
		if e.File != "" {
			n.Locations = []sarifLocation{{PhysicalLocation: &sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: uris.get(e.File), URIBaseID: "%SRCROOT%"},
				Region:           &sarifRegion{StartLine: max(1, e.Line)}}}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	if len(keep) > MaxSARIFResults {
		rank := func(i int32) int {
			r := &run.Results[i]
			lv := 0 // FAIL
			switch r.Status {
			case result.Warn:
				lv = 1
			case result.Ignored:
				lv = 2
			}
			return lv*10 - int(r.Severity)
		}
		slices.SortStableFunc(keep, func(a, b int32) int { return cmp.Compare(rank(a), rank(b)) })
		left := len(keep) - MaxSARIFResults
		keep = keep[:MaxSARIFResults]
		slices.Sort(keep)
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Descriptor: &sarifReference{ID: "result-limit"}, Level: "warning",
			Message: sarifText{Text: fmt.Sprintf(run.tr("sarifLimit"), left, MaxSARIFResults)}})
	}
	for _, i := range keep {
		r := &run.Results[i]
		if _, ok := ruleIndex[r.ID]; !ok {
			ruleIndex[r.ID] = len(driver.Rules)
			driver.Rules = append(driver.Rules, sarifRuleFor(r.ID, run))
		}
	}
	out := sarifRun{
		Tool:              sarifTool{Driver: driver},
		AutomationDetails: sarifAutomation{ID: "kubeward/" + cmp.Or(run.Target, "manifests") + "/"},
		Invocations:       []sarifInvocation{inv},
		Results:           streamPlaceholder,
		ColumnKind:        "unicodeCodePoints",
		Properties:        sarifBenchmark(run),
	}
	log := sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{out}}
	// One result value, its map and slices reused for every item: each is
	// encoded before the next is built, so little garbage per finding.
	var sr sarifResult
	fp := map[string]string{}
	locs := make([]sarifLocation, 1)
	return writeStreamed(w, log, false, len(keep), func(k int) (any, bool) {
		r := &run.Results[keep[k]]
		fp["kubewardFinding/v1"] = Fingerprint(r)
		locs[0] = sarifLocationOf(run, uris, r)
		sr = sarifResult{RuleID: r.ID, RuleIndex: ruleIndex[r.ID], Level: sarifLevel(r.Status),
			Message:             sarifText{Text: sarifMessage(r, run.Lang)},
			Locations:           locs,
			PartialFingerprints: fp,
			BaselineState:       run.baselineState(r),
		}
		if r.Status == result.Ignored && r.Exception != nil {
			sr.Suppressions = []sarifSuppression{{Kind: "external", Justification: exceptionText(run, r.Exception)}}
			if strings.HasPrefix(r.Exception.Source, "annotation") {
				sr.Suppressions[0].Kind = "inSource"
			}
		}
		return &sr, true
	})
}

// exceptionText says why a finding is ignored and where the exception is.
func exceptionText(run *Run, x *result.Exception) string {
	return fmt.Sprintf("%s (%s %s)", x.Reason, run.tr("exceptionFrom"), x.Source)
}

func sarifLocationOf(run *Run, uris *fileURIs, r *result.Result) sarifLocation {
	line := 1
	if r.Location != nil && r.Location.Line > 0 {
		line = r.Location.Line
	}
	return sarifLocation{
		PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(run, uris, r), URIBaseID: "%SRCROOT%"},
			Region: &sarifRegion{StartLine: line}},
		LogicalLocations: []sarifLogical{{FullyQualifiedName: r.Subject.String(), Kind: "object"}},
	}
}

// sarifRoot is the absolute SARIF root ("" or "." is the working directory).
func sarifRoot(base string) string {
	abs, err := filepath.Abs(cmp.Or(base, "."))
	if err != nil {
		return ""
	}
	return abs
}

// sarifURI is the relative URI of a result's location (docs/json-report.md,
// "SARIF locations"):
//   - a manifest file: its path relative to the SARIF root; a file outside
//     the root, its absolute path without the leading slash;
//   - standard input: "stdin";
//   - a file on an audited node (scan node): its path on the node without
//     the leading slash (etc/kubernetes/manifests/kube-apiserver.yaml);
//   - no file (a live object, a flag on a command line, a namespace only
//     referred to): node/<kind>/<name> in a node audit, else
//     cluster/<namespace>/<kind>/<name> (cluster/_cluster/<kind>/<name> for
//     cluster-scoped objects).
func sarifURI(run *Run, uris *fileURIs, r *result.Result) string {
	if r.Location != nil && r.Location.File != "" {
		return uris.get(r.Location.File)
	}
	s := r.Subject
	if run.Target == "node" {
		return joinURI("node", cmp.Or(s.Kind, "Node"), cmp.Or(s.Name, run.Host, "node"))
	}
	return joinURI("cluster", cmp.Or(s.Namespace, "_cluster"), cmp.Or(s.Kind, "Object"), cmp.Or(s.Name, "_"))
}

// fileURIs caches fileURI by file: a run has few files and many findings.
type fileURIs struct {
	run  *Run
	root string
	m    map[string]string
}

func (c *fileURIs) get(file string) string {
	if u, ok := c.m[file]; ok {
		return u
	}
	if c.m == nil {
		c.m = map[string]string{}
	}
	u := fileURI(c.run, c.root, file)
	c.m[file] = u
	return u
}

func fileURI(run *Run, root, file string) string {
	switch {
	case file == "<stdin>" || file == "-":
		return "stdin"
	case strings.HasPrefix(file, "<"):
		return joinURI(strings.Trim(file, "<>"))
	case run.Target == "node" || run.Target == "cluster":
		return joinURI(strings.Split(strings.Trim(filepath.ToSlash(file), "/"), "/")...)
	}
	abs := file
	if !filepath.IsAbs(abs) {
		if a, err := filepath.Abs(file); err == nil {
			abs = a
		}
	}
	rel := abs
	if root != "" {
		if r, err := filepath.Rel(root, abs); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			rel = r
		}
	}
	return joinURI(strings.Split(strings.Trim(filepath.ToSlash(rel), "/"), "/")...)
}

// joinURI escapes path segments into a relative URI reference.
func joinURI(segs ...string) string {
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		if s == "" || s == "." {
			continue
		}
		out = append(out, strings.ReplaceAll(url.PathEscape(s), ":", "%3A"))
	}
	if len(out) == 0 {
		return "_"
	}
	return strings.Join(out, "/")
}

// RuleName is the PascalCase name of a check title ("Container may run as
// root" → ContainerMayRunAsRoot): SARIF reportingDescriptor.name.
func RuleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	return b.String()
}

func sarifRuleFor(id string, run *Run) sarifRule {
	lang := run.Lang
	rule := sarifRule{ID: id, Name: RuleName(id), DefaultConfiguration: sarifConfig{Level: "error"}, Properties: map[string]any{},
		HelpURI: ChecksDocURL + "#" + strings.ToLower(id)}
	e := catalog.Get(id)
	if e == nil {
		rule.ShortDescription = sarifText{Text: id}
		rule.FullDescription = rule.ShortDescription
		rule.Help = rule.ShortDescription
		rule.Properties["tags"] = []string{"security", "kubernetes"}
		return rule
	}
	title := e.Title.In(lang)
	rule.Name = RuleName(e.Title.EN)
	rule.ShortDescription = sarifText{Text: title}
	item := catalog.ItemByID(e.Item)
	rule.FullDescription = sarifText{Text: fmt.Sprintf("%s (%s %s %s)", title, run.tr("planItem"), item.ID, item.Title.In(lang))}
	refs := strings.Join(e.References, "; ")
	rule.Help = sarifText{
		Text: fmt.Sprintf("%s: %s\n%s: %s\n%s: %s", run.tr("fix"), e.Remediation.In(lang), run.tr("severity"), run.sev(e.Severity), run.tr("references"), refs),
		Markdown: fmt.Sprintf("**%s**\n\n%s: %s\n\n%s: %s\n\n%s: %s\n\n[%s](%s)", title, run.tr("fix"), e.Remediation.In(lang),
			run.tr("severity"), run.sev(e.Severity), run.tr("references"), refs, run.tr("checksDoc"), rule.HelpURI),
	}
	rule.Properties["security-severity"] = securitySeverity[e.Severity]
	rule.Properties["tags"] = []string{"security", "kubernetes", "plan-" + e.Item}
	rule.Properties["precision"] = "high"
	return rule
}

func sarifMessage(r *result.Result, lang string) string {
	msg := r.Message.In(lang)
	if msg == "" {
		if e := r.Entry(); e != nil {
			msg = e.Title.In(lang)
		}
	}
	return r.Subject.String() + ": " + cmp.Or(msg, r.ID)
}

// Fingerprint identifies a finding across runs independent of line numbers
// and of the report's language: the check ID, the subject and the field
// path. SARIF's partialFingerprints, `kubeward diff` and `scan --baseline`
// all match findings with it.
func Fingerprint(r *result.Result) string {
	h := sha256.New()
	io.WriteString(h, r.ID)
	io.WriteString(h, "\x00")
	io.WriteString(h, r.Subject.String())
	if r.Location != nil {
		io.WriteString(h, "\x00")
		io.WriteString(h, r.Location.Path)
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}
