package report_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot, "testdata/schemas/sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sarifOut is the SARIF a report writes, as the tests and GitHub code
// scanning's upload checks read it.
type sarifOut struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID               string                `json:"id"`
					Name             string                `json:"name"`
					ShortDescription struct{ Text string } `json:"shortDescription"`
					FullDescription  struct{ Text string } `json:"fullDescription"`
					HelpURI          string                `json:"helpUri"`
					Help             struct {
						Text     string `json:"text"`
						Markdown string `json:"markdown"`
					} `json:"help"`
					Properties struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
						Precision        string   `json:"precision"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		AutomationDetails struct{ ID string } `json:"automationDetails"`
		Invocations       []struct {
			ToolExecutionNotifications     []sarifNotification `json:"toolExecutionNotifications"`
			ToolConfigurationNotifications []sarifNotification `json:"toolConfigurationNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID              string                `json:"ruleId"`
			RuleIndex           int                   `json:"ruleIndex"`
			Level               string                `json:"level"`
			Message             struct{ Text string } `json:"message"`
			Locations           []sarifLocation       `json:"locations"`
			PartialFingerprints map[string]string     `json:"partialFingerprints"`
			Suppressions        []struct {
				Kind          string `json:"kind"`
				Justification string `json:"justification"`
			} `json:"suppressions"`
		} `json:"results"`
	} `json:"runs"`
}

type sarifNotification struct {
	Descriptor struct{ ID string }   `json:"descriptor"`
	Level      string                `json:"level"`
	Message    struct{ Text string } `json:"message"`
	Locations  []sarifLocation       `json:"locations"`
}

type sarifLocation struct {
	PhysicalLocation *struct {
		ArtifactLocation struct {
			URI       string `json:"uri"`
			URIBaseID string `json:"uriBaseId"`
		} `json:"artifactLocation"`
		Region *struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	} `json:"physicalLocation"`
	LogicalLocations []struct {
		FullyQualifiedName string `json:"fullyQualifiedName"`
	} `json:"logicalLocations"`
}

// checkGitHubRules applies GitHub code scanning's SARIF upload rules
// (docs.github.com, "SARIF support for code scanning"): at most 20 runs,
// 25,000 results and 25,000 rules a run, 1,000 locations a result, 20 tags
// a rule; every result has a message, a rule, a physical location with a
// relative URI and a start line of at least 1, and partial fingerprints;
// security-severity is a number from 0 to 10.
func checkGitHubRules(log *sarifOut) []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if log.Version != "2.1.0" || log.Schema == "" {
		bad("version %q schema %q", log.Version, log.Schema)
	}
	if len(log.Runs) == 0 || len(log.Runs) > 20 {
		bad("%d runs", len(log.Runs))
	}
	checkURI := func(where, uri string) {
		u, err := url.Parse(uri)
		switch {
		case err != nil:
			bad("%s: uri %q: %v", where, uri, err)
		case uri == "" || u.Scheme != "" || strings.HasPrefix(uri, "/") || strings.HasPrefix(uri, "..") || strings.Contains(uri, "/../"):
			bad("%s: uri %q is not relative to the repository root", where, uri)
		}
	}
	checkLoc := func(where string, l sarifLocation) {
		if l.PhysicalLocation == nil {
			bad("%s: no physical location", where)
			return
		}
		checkURI(where, l.PhysicalLocation.ArtifactLocation.URI)
		if l.PhysicalLocation.Region == nil || l.PhysicalLocation.Region.StartLine < 1 {
			bad("%s: no region.startLine >= 1", where)
		}
	}
	for _, run := range log.Runs {
		d := run.Tool.Driver
		if d.Name == "" || d.Version == "" {
			bad("driver %q version %q", d.Name, d.Version)
		}
		if len(d.Rules) > 25000 || len(run.Results) > 25000 {
			bad("%d rules, %d results", len(d.Rules), len(run.Results))
		}
		rules := map[string]bool{}
		for _, r := range d.Rules {
			rules[r.ID] = true
			if len(r.Properties.Tags) > 20 {
				bad("rule %s: %d tags", r.ID, len(r.Properties.Tags))
			}
			if r.Name == "" || strings.ContainsAny(r.Name, " -:()") {
				bad("rule %s: name %q is not PascalCase", r.ID, r.Name)
			}
			if r.HelpURI != report.ChecksDocURL+"#"+strings.ToLower(r.ID) {
				bad("rule %s: helpUri %q", r.ID, r.HelpURI)
			}
			if s := r.Properties.SecuritySeverity; s != "" {
				if f, err := strconv.ParseFloat(s, 64); err != nil || f < 0 || f > 10 {
					bad("rule %s: security-severity %q", r.ID, s)
				}
			}
		}
		if run.AutomationDetails.ID == "" {
			bad("no automationDetails.id")
		}
		for i, r := range run.Results {
			where := fmt.Sprintf("result %d (%s)", i, r.RuleID)
			if !rules[r.RuleID] || r.Message.Text == "" {
				bad("%s: rule %q not in the driver or no message", where, r.RuleID)
			}
			if len(r.Locations) == 0 || len(r.Locations) > 1000 {
				bad("%s: %d locations", where, len(r.Locations))
			}
			for _, l := range r.Locations {
				checkLoc(where, l)
			}
			if len(r.PartialFingerprints) == 0 {
				bad("%s: no partialFingerprints", where)
			}
		}
		for _, inv := range run.Invocations {
			for _, n := range append(inv.ToolExecutionNotifications, inv.ToolConfigurationNotifications...) {
				if n.Message.Text == "" {
					bad("notification without a message")
				}
				for _, l := range n.Locations {
					checkLoc("notification "+n.Descriptor.ID, l)
				}
			}
		}
	}
	return errs
}

func validateSARIF(t *testing.T, schema *jsonschema.Schema, raw string) *sarifOut {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v", err)
	}
	var log sarifOut
	if err := json.Unmarshal([]byte(raw), &log); err != nil {
		t.Fatal(err)
	}
	for _, e := range checkGitHubRules(&log) {
		t.Error(e)
	}
	return &log
}

func TestSARIFOfEveryInputValidates(t *testing.T) {
	schema := sarifSchema(t)
	for _, lang := range []string{"en", "zh"} {
		for name, run := range inputRuns(t, lang) {
			t.Run(lang+"/"+name, func(t *testing.T) {
				counts := run.Counts()
				log := validateSARIF(t, schema, render(t, "sarif", run))
				r := log.Runs[0]
				if len(r.Results) == 0 {
					t.Fatal("no results")
				}
				if want := counts[result.Fail] + counts[result.Warn] + counts[result.Ignored]; len(r.Results) != want {
					t.Errorf("%d results, want %d (FAIL, WARN and IGNORED)", len(r.Results), want)
				}
				inv := r.Invocations[0]
				notices := len(run.Notices())
				if len(inv.ToolConfigurationNotifications) != notices {
					t.Errorf("%d configuration notifications, want %d", len(inv.ToolConfigurationNotifications), notices)
				}
				if want := len(run.Errors) + counts[result.Error]; len(inv.ToolExecutionNotifications) != want {
					t.Errorf("%d execution notifications, want %d", len(inv.ToolExecutionNotifications), want)
				}
				for _, res := range r.Results {
					if strings.Contains(res.Message.Text, "trustedRegistries is not set") {
						t.Errorf("the trustedRegistries notice is a result: %s", res.Message.Text)
					}
				}
				switch name {
				case "directory without config":
					if notices != 1 || !strings.Contains(inv.ToolConfigurationNotifications[0].Message.Text, "trustedRegistries") {
						t.Errorf("configuration notifications = %+v", inv.ToolConfigurationNotifications)
					}
					if counts[result.Warn] != inputRuns(t, lang)["directory"].Counts()[result.Warn] {
						t.Errorf("the notice is counted as a WARN: %v", counts)
					}
				case "input error":
					n := inv.ToolExecutionNotifications[0]
					if n.Level != "error" || len(n.Locations) != 1 || n.Locations[0].PhysicalLocation.ArtifactLocation.URI != "stdin" ||
						n.Locations[0].PhysicalLocation.Region.StartLine != 3 {
						t.Errorf("input error notification = %+v", n)
					}
				case "stdin":
					if u := r.Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; u != "stdin" {
						t.Errorf("stdin uri %q", u)
					}
				case "directory", "files":
					if u := r.Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI; !strings.HasPrefix(u, "examples/insecure/") {
						t.Errorf("uri %q, want relative to the repository root", u)
					}
				case "node":
					uris := map[string]bool{}
					for _, res := range r.Results {
						uris[res.Locations[0].PhysicalLocation.ArtifactLocation.URI] = true
					}
					if !uris["var/lib/kubelet/config.yaml"] {
						t.Errorf("no result at the kubelet config file on the node: %v", uris)
					}
				case "cluster":
					for _, res := range r.Results {
						if u := res.Locations[0].PhysicalLocation.ArtifactLocation.URI; !strings.HasPrefix(u, "cluster/") {
							t.Errorf("cluster result at %q", u)
							break
						}
					}
				}
			})
		}
	}
}

func TestSARIFResultLimit(t *testing.T) {
	n := report.MaxSARIFResults + 1000
	rs := make([]result.Result, 0, n)
	for i := range n {
		st, sev := result.Warn, catalog.SeverityLow
		if i%2 == 0 {
			st, sev = result.Fail, catalog.SeverityHigh
		}
		rs = append(rs, result.Result{ID: "KW-POD-001", Status: st, Severity: sev,
			Subject:  result.Subject{Kind: "Deployment", Namespace: "ns", Name: fmt.Sprintf("app-%d", i)},
			Location: &result.Location{File: "big.yaml", Line: i + 1}})
	}
	log := validateSARIF(t, sarifSchema(t), render(t, "sarif", &report.Run{Target: "manifests", Version: "1.2.3", Results: rs}))
	r := log.Runs[0]
	if len(r.Results) != report.MaxSARIFResults {
		t.Fatalf("%d results, want %d", len(r.Results), report.MaxSARIFResults)
	}
	errs := 0
	for _, res := range r.Results {
		if res.Level == "error" {
			errs++
		}
	}
	if errs != (n+1)/2 {
		t.Errorf("%d errors kept, want every FAIL (%d)", errs, (n+1)/2)
	}
	notes := r.Invocations[0].ToolExecutionNotifications
	if len(notes) != 1 || !strings.Contains(notes[0].Message.Text, "1000 results left out") {
		t.Errorf("notifications = %+v", notes)
	}
}

func TestRuleName(t *testing.T) {
	for title, want := range map[string]string{
		"Container may run as root":                  "ContainerMayRunAsRoot",
		"Capabilities are not dropped (drop: [ALL])": "CapabilitiesAreNotDroppedDropALL",
		"Image uses the :latest tag or no tag":       "ImageUsesTheLatestTagOrNoTag",
	} {
		if got := report.RuleName(title); got != want {
			t.Errorf("RuleName(%q) = %q, want %q", title, got, want)
		}
	}
}
