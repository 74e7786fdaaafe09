package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/result"
)

// SARIF 2.1.0, the subset GitHub code scanning reads.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
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
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
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

// writeSARIF writes FAIL results as errors, WARN as warnings and IGNORED as
// suppressed results, with the catalogue entries as rules.
func writeSARIF(w io.Writer, run *Run) error {
	driver := sarifDriver{Name: "kubeward", Version: run.Version, InformationURI: "https://github.com/kubeward/kubeward", Rules: []sarifRule{}}
	ruleIndex := map[string]int{}
	out := sarifRun{Results: []sarifResult{}}
	for i := range run.Results {
		r := &run.Results[i]
		level := ""
		switch r.Status {
		case result.Fail:
			level = "error"
		case result.Warn:
			level = "warning"
		case result.Ignored:
			level = "note"
		default:
			continue
		}
		idx, ok := ruleIndex[r.ID]
		if !ok {
			idx = len(driver.Rules)
			ruleIndex[r.ID] = idx
			driver.Rules = append(driver.Rules, sarifRuleFor(r, run.Lang))
		}
		sr := sarifResult{RuleID: r.ID, RuleIndex: idx, Level: level,
			Message:             sarifText{Text: sarifMessage(r, run.Lang)},
			PartialFingerprints: map[string]string{"kubewardFinding/v1": fingerprint(r)},
		}
		if r.Status == result.Ignored && r.Exception != nil {
			sr.Suppressions = []sarifSuppression{{Kind: "external", Justification: r.Exception.Reason}}
			if strings.HasPrefix(r.Exception.Source, "annotation") {
				sr.Suppressions[0].Kind = "inSource"
			}
		}
		loc := sarifLocation{LogicalLocations: []sarifLogical{{FullyQualifiedName: r.Subject.String(), Kind: "object"}}}
		if r.Location != nil && r.Location.File != "" && !strings.HasPrefix(r.Location.File, "<") {
			phys := &sarifPhysical{ArtifactLocation: sarifArtifact{URI: relURI(run.BaseDir, r.Location.File), URIBaseID: "%SRCROOT%"}}
			if r.Location.Line > 0 {
				phys.Region = &sarifRegion{StartLine: r.Location.Line}
			}
			loc.PhysicalLocation = phys
		}
		sr.Locations = []sarifLocation{loc}
		out.Results = append(out.Results, sr)
	}
	out.Tool = sarifTool{Driver: driver}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{out}})
}

func sarifRuleFor(r *result.Result, lang string) sarifRule {
	rule := sarifRule{ID: r.ID, Name: r.ID, DefaultConfiguration: sarifConfig{Level: "error"}, Properties: map[string]any{}}
	e := r.Entry()
	if e == nil {
		rule.ShortDescription = sarifText{Text: r.ID}
		rule.FullDescription = rule.ShortDescription
		rule.Help = rule.ShortDescription
		return rule
	}
	title := e.Title.In(lang)
	rule.Name = strings.ReplaceAll(e.Title.EN, " ", "")
	rule.ShortDescription = sarifText{Text: title}
	item := catalog.ItemByID(e.Item)
	rule.FullDescription = sarifText{Text: title + " (" + item.ID + " " + item.Title.In(lang) + ")"}
	refs := strings.Join(e.References, "; ")
	rule.Help = sarifText{
		Text:     e.Remediation.In(lang) + "\nReferences: " + refs,
		Markdown: "**" + title + "**\n\n" + e.Remediation.In(lang) + "\n\nReferences: " + refs,
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
	return r.Subject.String() + ": " + msg
}

// fingerprint identifies a finding across runs independent of line numbers.
func fingerprint(r *result.Result) string {
	h := sha256.New()
	h.Write([]byte(r.ID + "\x00" + r.Subject.String()))
	if r.Location != nil {
		h.Write([]byte("\x00" + r.Location.Path))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func relURI(base, file string) string {
	if base != "" {
		if rel, err := filepath.Rel(base, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	return filepath.ToSlash(file)
}
