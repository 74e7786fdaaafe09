package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

type jsonOut struct {
	Results []struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Severity string `json:"severity"`
		Layer    int    `json:"layer"`
		Subject  struct{ Kind, Namespace, Name, Container string }
		Location struct {
			File string
			Line int
		}
		Message     string
		Evidence    string
		Remediation string
	} `json:"results"`
	Summary struct {
		Statuses map[string]int `json:"statuses"`
	} `json:"summary"`
	Errors []string `json:"errors"`
}

func scanJSON(t *testing.T, args ...string) (int, jsonOut) {
	t.Helper()
	code, out, errs := run(t, "", append([]string{"scan", "manifests", "-o", "json"}, args...)...)
	var j jsonOut
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("output is not JSON: %v\n%s\n%s", err, out, errs)
	}
	return code, j
}

// TestEverythingWrongPodIsFlagged is the acceptance case: each
// problem of the pod is reported at its own line, and the secret's value
// never appears in any output.
func TestEverythingWrongPodIsFlagged(t *testing.T) {
	code, j := scanJSON(t, "--config", "testdata/exceptions.yaml", "testdata/everything-wrong.yaml")
	if code != ExitFindings {
		t.Errorf("exit code %d, want %d", code, ExitFindings)
	}
	want := map[string]int{ // check ID -> line of the offending field
		"KW-POD-002":  13, // privileged
		"KW-POD-001":  14, // runAsUser: 0
		"KW-POD-005":  16, // SYS_ADMIN
		"KW-HOST-001": 26, // docker.sock
		"KW-HOST-004": 8,  // hostPID (its exception expired)
		"KW-IMG-003":  11, // :latest
		"KW-IMG-001":  11, // docker.io is not trusted
		"KW-SA-001":   6,  // default service account
		"KW-SEC-001":  19, // DB_PASSWORD literal
	}
	got := map[string]int{}
	for _, r := range j.Results {
		if r.Status == "FAIL" {
			got[r.ID] = r.Location.Line
		}
		if r.ID == "KW-HOST-003" && r.Status != "IGNORED" {
			t.Errorf("KW-HOST-003 status %s, want IGNORED by the config exception", r.Status)
		}
	}
	for id, line := range want {
		if got[id] != line {
			t.Errorf("%s: FAIL at line %d, want line %d", id, got[id], line)
		}
	}
	if j.Summary.Statuses["IGNORED"] != 1 {
		t.Errorf("ignored = %d, want 1 (hostNetwork)", j.Summary.Statuses["IGNORED"])
	}
	for _, format := range []string{"text", "json", "sarif", "junit"} {
		_, out, _ := run(t, "", "scan", "manifests", "-o", format, "testdata/everything-wrong.yaml")
		if strings.Contains(out, "Sup3r-Secret-Value") {
			t.Errorf("%s output reveals the secret value", format)
		}
	}
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	_, out, _ := run(t, "", "scan", "manifests", "-o", "sarif", "--config", "testdata/exceptions.yaml", "testdata/everything-wrong.yaml", "../../examples/insecure")
	c := jsonschema.NewCompiler()
	f, err := os.Open("../../testdata/schemas/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.AddResource("sarif.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("SARIF does not validate: %v", err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	levels := map[string]int{}
	found := false
	for _, r := range log.Runs[0].Results {
		levels[r.Level]++
		pl := r.Locations[0].PhysicalLocation
		if r.RuleID == "KW-POD-002" && pl.ArtifactLocation.URI == "testdata/everything-wrong.yaml" && pl.Region.StartLine == 13 {
			found = true
		}
	}
	if !found {
		t.Error("no error for KW-POD-002 at testdata/everything-wrong.yaml:13")
	}
	if levels["error"] == 0 || levels["warning"] == 0 {
		t.Errorf("levels %v: want FAIL as error and WARN as warning", levels)
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"hardened example", []string{"scan", "manifests", "--config", "../../examples/kubeward.yaml", "../../examples/hardened"}, ExitOK},
		{"insecure example", []string{"scan", "manifests", "../../examples/insecure"}, ExitFindings},
		{"fail-on critical still fails on critical", []string{"scan", "manifests", "--fail-on", "critical", "testdata/everything-wrong.yaml"}, ExitFindings},
		{"only low findings below fail-on high", []string{"scan", "manifests", "--fail-on", "critical", "../../testdata/corpora/microservices-demo/release/kubernetes-manifests.yaml"}, ExitOK},
		{"missing file", []string{"scan", "manifests", "testdata/nope.yaml"}, ExitUsage},
		{"bad format", []string{"scan", "manifests", "-o", "xml", "testdata/everything-wrong.yaml"}, ExitUsage},
		{"bad fail-on", []string{"scan", "manifests", "--fail-on", "urgent", "testdata/everything-wrong.yaml"}, ExitUsage},
		{"bad lang", []string{"scan", "manifests", "--lang", "fr", "testdata/everything-wrong.yaml"}, ExitUsage},
		{"unknown flag", []string{"scan", "manifests", "--bogus", "x"}, ExitUsage},
		{"no paths", []string{"scan", "manifests"}, ExitUsage},
		{"bad config", []string{"scan", "manifests", "--config", "testdata/everything-wrong.yaml", "testdata/everything-wrong.yaml"}, ExitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, errs := run(t, "", tc.args...); code != tc.want {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.want, errs)
			}
		})
	}
}

func TestMalformedInputNamesFileAndLineAndScansTheRest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/bad.yaml", []byte("kind: Pod\napiVersion: v1\nmetadata: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, "", "scan", "manifests", "-o", "json", dir+"/bad.yaml", "testdata/everything-wrong.yaml")
	if code != ExitUsage {
		t.Errorf("exit %d, want %d", code, ExitUsage)
	}
	if !strings.Contains(errs, dir+"/bad.yaml:") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("stderr %q: want one line naming the file and line", errs)
	}
	if !strings.Contains(out, "KW-POD-002") {
		t.Error("the good file was not scanned")
	}
}

func TestChineseReport(t *testing.T) {
	_, out, _ := run(t, "", "scan", "manifests", "--lang", "zh", "testdata/everything-wrong.yaml")
	for _, want := range []string{"容器以特权模式运行", "汇总", "修复"} {
		if !strings.Contains(out, want) {
			t.Errorf("Chinese report lacks %q", want)
		}
	}
}

func TestJUnitIsWellFormed(t *testing.T) {
	_, out, _ := run(t, "", "scan", "manifests", "-o", "junit", "testdata/everything-wrong.yaml")
	var suites struct {
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Failures == 0 || len(suites.Suites) == 0 {
		t.Errorf("junit: %d failures in %d suites", suites.Failures, len(suites.Suites))
	}
}

func TestChecksCatalogue(t *testing.T) {
	for _, format := range []string{"table", "json", "yaml", "markdown"} {
		code, out, _ := run(t, "", "checks", "-o", format)
		if code != 0 || !strings.Contains(out, "KW-POD-002") {
			t.Errorf("checks -o %s: exit %d", format, code)
		}
	}
	// docs/checks.md is generated from the catalogue and must stay current.
	_, out, _ := run(t, "", "checks", "-o", "markdown")
	doc, err := os.ReadFile("../../docs/checks.md")
	if err != nil || string(doc) != out {
		t.Error("docs/checks.md is stale: run `go run ./cmd/kubeward checks -o markdown > docs/checks.md`")
	}
}

func TestAnnotationException(t *testing.T) {
	y := `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    kubeward.io/ignore: KW-HOST-003, KW-HOST-004
    kubeward.io/ignore-reason: node debugging tool, approved
spec:
  hostNetwork: true
  hostPID: true
  containers: [{name: c, image: x}]
`
	code, out, _ := run(t, y, "scan", "manifests", "-o", "json", "-")
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	var j jsonOut
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	for _, r := range j.Results {
		if (r.ID == "KW-HOST-003" || r.ID == "KW-HOST-004") && r.Status != "IGNORED" {
			t.Errorf("%s is %s, want IGNORED", r.ID, r.Status)
		}
	}
}

// TestDeployManifestsPassOwnAudit: what we ship passes our own audit.
func TestDeployManifestsPassOwnAudit(t *testing.T) {
	if code, out, _ := run(t, "", "scan", "manifests", "../../deploy"); code != ExitOK {
		t.Errorf("deploy/ fails kubeward's own audit:\n%s", out)
	}
}

func TestScanClusterBadTargets(t *testing.T) {
	dir := t.TempDir()
	unreachable := dir + "/unreachable.conf"
	if err := os.WriteFile(unreachable, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing kubeconfig", []string{"--kubeconfig", dir + "/nope.conf"}, "nope.conf"},
		{"unreachable server", []string{"--kubeconfig", unreachable}, "cannot reach https://127.0.0.1:1"},
		{"unknown context", []string{"--kubeconfig", unreachable, "--context", "prod"}, "prod"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(t, "", append([]string{"scan", "cluster"}, tc.args...)...)
			if code != ExitUsage || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
				t.Errorf("exit %d, stderr %q: want exit 2 and one line naming %q", code, errs, tc.want)
			}
		})
	}
}
