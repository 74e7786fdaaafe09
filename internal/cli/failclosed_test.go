package cli

import (
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

// failClosedDirs makes the inputs of the mistakes table.
func failClosedDirs(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	empty := filepath.Join(dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	nodeRoot := filepath.Join(dir, "node")
	if err := os.MkdirAll(filepath.Join(nodeRoot, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("nok8s/values.yaml", "replicaCount: 2\nimage: {tag: latest}\n")
	write("crd/widget.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
	return map[string]string{
		"EMPTY":  empty,
		"NOK8S":  filepath.Join(dir, "nok8s"),
		"CRD":    filepath.Join(dir, "crd"),
		"NODE":   nodeRoot,
		"VALUES": filepath.Join(dir, "nok8s", "values.yaml"),
		"NOTPEM": filepath.Join(dir, "nok8s", "values.yaml"),
		"DIR":    dir,
	}
}

// TestMistakesFailClosed: every mistake a user or a CI script can make
// exits non-zero, never panics, and says what is wrong in one line on
// stderr. No case exits 0.
func TestMistakesFailClosed(t *testing.T) {
	d := failClosedDirs(t)
	tests := []struct {
		name  string
		args  string // split on spaces; $NAME from failClosedDirs
		stdin string
		code  int
		msg   string // in the last stderr line
	}{
		// Unknown commands at every level, with the nearest one named.
		{"typo at root", "scna", "", ExitUsage, `unknown command "scna" for "kubeward"; did you mean "scan"?`},
		{"typo under scan", "scan nodes", "", ExitUsage, `unknown command "nodes" for "kubeward scan"; did you mean "node"?`},
		{"singular manifests", "scan manifest x.yaml", "", ExitUsage, `unknown command "manifest" for "kubeward scan"; did you mean "manifests"?`},
		{"typo under export", "export vaps", "", ExitUsage, `unknown command "vaps" for "kubeward export"; did you mean "vap"?`},
		{"typo under collect", "collect nodes", "", ExitUsage, `unknown command "nodes" for "kubeward collect"; did you mean "node"?`},
		{"typo under webhook", "webhook manifest", "", ExitUsage, `unknown command "manifest" for "kubeward webhook"; did you mean "manifests"?`},
		{"typo under completion", "completion bsh", "", ExitUsage, `unknown command "bsh" for "kubeward completion"; did you mean "bash"`},
		{"nothing like a command", "frobnicate", "", ExitUsage, `unknown command "frobnicate" for "kubeward"; commands: checks, collect`},
		{"help on an unknown topic", "help scan nodes", "", ExitUsage, `help: unknown command "nodes" for "kubeward scan"; did you mean "node"?`},
		{"no command at all", "", "", ExitUsage, `"kubeward" needs a command: checks, collect`},
		{"scan without a command", "scan", "", ExitUsage, `"kubeward scan" needs a command: cluster, manifests, node`},
		{"export without a command", "export", "", ExitUsage, `"kubeward export" needs a command: vap`},
		{"collect without a command", "collect", "", ExitUsage, `"kubeward collect" needs a command: node`},
		{"argument to version", "version now", "", ExitUsage, `unknown command "now" for "kubeward version"`},

		// A scan that evaluated nothing.
		{"empty directory", "scan manifests $EMPTY", "", ExitUsage, "nothing was evaluated: no .yaml, .yml or .json file in"},
		{"empty stdin", "scan manifests -", "", ExitUsage, "nothing was evaluated: standard input was empty (did the command before | fail?)"},
		{"blank stdin", "scan manifests -", "\n---\n\n", ExitUsage, "nothing was evaluated:"},
		{"no Kubernetes objects", "scan manifests $NOK8S", "", ExitUsage, "nothing was evaluated: no object kubeward has checks for"},
		{"only custom resources", "scan manifests $CRD", "", ExitUsage, "(skipped: example.com/Widget 1); --allow-empty accepts this"},
		{"node without components", "scan node --root $NODE", "", ExitUsage, "nothing was evaluated: no node component found under --root"},

		// Flags validated before any work.
		{"negative concurrency", "scan cluster --concurrency -1", "", ExitUsage, "--concurrency -1: must be between 1 and 64"},
		{"zero concurrency", "scan cluster --concurrency 0", "", ExitUsage, "--concurrency 0: must be between 1 and 64"},
		{"negative page size", "scan cluster --page-size -5", "", ExitUsage, "--page-size -5: must be at least 1"},
		{"zero qps", "scan cluster --qps 0", "", ExitUsage, "--qps 0: must be a positive number"},
		{"NaN qps", "scan cluster --qps NaN", "", ExitUsage, "--qps NaN: must be a positive number"},
		{"zero burst", "scan cluster --burst 0", "", ExitUsage, "--burst 0: must be at least 1"},
		{"-A and -n", "scan cluster -A -n apps", "", ExitUsage, "-A/--all-namespaces and -n/--namespace apps are exclusive"},
		{"etcd cert without endpoint", "scan cluster --etcd-cert c.crt", "", ExitUsage, "--etcd-cert is given without --etcd-endpoints"},
		{"bad cluster output", "scan cluster -o xml", "", ExitUsage, `-o: unknown output format "xml"`},
		{"negative interval", "scan node --interval -1s", "", ExitUsage, "--interval -1s: must not be negative"},
		{"tiny interval", "scan node --interval 1ns", "", ExitUsage, "--interval 1ns: must be 0 (scan once) or at least 1s"},
		{"unparsable interval", "scan node --interval soon", "", ExitUsage, `invalid argument "soon" for "--interval"`},
		{"bad node fail-on", "scan node --fail-on urgent", "", ExitUsage, "--fail-on:"},
		{"negative render timeout", "scan manifests --render-timeout -1s x.yaml", "", ExitUsage, "--render-timeout -1s: must not be negative"},
		{"bad lang", "scan manifests --lang fr x.yaml", "", ExitUsage, `--lang: unknown language "fr"`},
		{"checks bad format", "checks -o xml", "", ExitUsage, `-o: unknown format "xml" for checks`},
		{"version bad format", "version -o yaml", "", ExitUsage, `-o: unknown format "yaml" for version`},
		{"collect without -o", "collect node", "", ExitUsage, "collect node: -o FILE.tar.gz is required"},
		{"collect into a directory", "collect node -o $DIR", "", ExitUsage, "is a directory"},
		{"export bad format", "export vap -o xml", "", ExitUsage, `-o: unknown format "xml" for export vap`},
		{"export bad mode", "export vap --mode block", "", ExitUsage, `--mode: unknown mode "block"`},
		{"export exclude typo", "export vap --exclude KW-PDO-*", "", ExitUsage, `--exclude "KW-PDO-*" matches no check`},
		{"export bad selector", "export vap --namespace-selector a=(", "", ExitUsage, "--namespace-selector:"},
		{"webhook zero reload interval", "webhook --self-signed --config p.yaml --reload-interval 0s", "", ExitUsage, "--reload-interval 0s: must be positive"},
		{"webhook negative timeout", "webhook --self-signed --request-timeout -1s", "", ExitUsage, "--request-timeout -1s: must be positive"},
		{"webhook negative grace", "webhook --self-signed --shutdown-grace-period -1s", "", ExitUsage, "--shutdown-grace-period -1s: must not be negative"},
		{"webhook without TLS", "webhook", "", ExitUsage, "serving needs --tls-cert-file and --tls-private-key-file, or --self-signed"},
		{"webhook CA flag ignored", "webhook --tls-cert-file a --tls-private-key-file b --print-ca-bundle", "", ExitUsage, "--print-ca-bundle needs --self-signed"},
		{"webhook kubeconfig ignored", "webhook --self-signed --kubeconfig k", "", ExitUsage, "--kubeconfig is only used by --inject-ca-bundle"},
		{"manifests one replica", "webhook manifests --self-signed --replicas 1", "", ExitUsage, "--replicas 1: must be at least 2"},
		{"manifests timeout", "webhook manifests --self-signed --timeout-seconds 31", "", ExitUsage, "--timeout-seconds 31: must be between 1 and 30"},
		{"manifests failure policy", "webhook manifests --self-signed --failure-policy Sometimes", "", ExitUsage, `--failure-policy "Sometimes": want Fail or Ignore`},
		{"manifests bad CIDR", "webhook manifests --self-signed --apiserver-cidr 10.0.0.0", "", ExitUsage, `--apiserver-cidr "10.0.0.0": not a CIDR`},

		// No input ignored silently.
		{"values without a chart", "scan manifests --values $VALUES ../../examples/insecure", "", ExitUsage, "--values/--set apply to Helm charts, and no input is a chart"},
		{"set without a chart", "scan manifests --set image.tag=1 ../../examples/insecure", "", ExitUsage, "--values/--set apply to Helm charts"},
		{"set without =", "scan manifests --set image.tag ../../examples/insecure", "", ExitUsage, `--set "image.tag": want key=value`},
		{"missing values file", "scan manifests --values $DIR/nope.yaml ../../examples/insecure", "", ExitUsage, "--values " + d["DIR"] + "/nope.yaml: no such file or directory"},
		{"stdin twice", "scan manifests - -f -", "", ExitUsage, "standard input (-) is given 2 times"},
		{"no input", "scan manifests", "", ExitUsage, "scan manifests: no input"},
		{"-f is a file now", "scan manifests -f", "", ExitUsage, `flag needs an argument: 'f' in -f`},

		// The webhook configuration is never emitted with a placeholder caBundle.
		{"webhook manifests without a CA", "webhook manifests", "", ExitUsage, "webhook manifests needs --ca-bundle-file CA.pem or --self-signed"},
		{"webhook manifests with Ignore, no CA", "webhook manifests --failure-policy Ignore", "", ExitUsage, "webhook manifests needs --ca-bundle-file CA.pem or --self-signed"},
		{"webhook manifests CA is not PEM", "webhook manifests --ca-bundle-file $NOTPEM", "", ExitUsage, "no PEM CERTIFICATE block"},
		{"webhook manifests both CA sources", "webhook manifests --ca-bundle-file $NOTPEM --self-signed", "", ExitUsage, "--ca-bundle-file and --self-signed are exclusive"},

		// Report flags only on commands that report.
		{"fail-on on version", "version --fail-on low", "", ExitUsage, "unknown flag: --fail-on"},
		{"lang on collect", "collect node -o x.tgz --lang zh", "", ExitUsage, "unknown flag: --lang"},
		{"fail-on on webhook manifests", "webhook manifests --fail-on high", "", ExitUsage, "unknown flag: --fail-on"},
		{"fail-on on export", "export vap --fail-on low", "", ExitUsage, "unknown flag: --fail-on"},
		{"fail-on on checks", "checks --fail-on low", "", ExitUsage, "unknown flag: --fail-on"},

		// Findings, and checks that could not be evaluated.
		{"findings", "scan manifests ../../examples/insecure", "", ExitFindings, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, a := range strings.Fields(tc.args) {
				for k, v := range d {
					a = strings.ReplaceAll(a, "$"+k, v)
				}
				args = append(args, a)
			}
			code, _, errs := run(t, tc.stdin, args...)
			if code == ExitOK {
				t.Fatalf("exit 0 for a mistake (stderr %q)", errs)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errs)
			}
			if tc.msg == "" {
				return
			}
			lines := strings.Split(strings.TrimRight(errs, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "kubeward: ") || !strings.Contains(last, tc.msg) {
				t.Errorf("last stderr line %q, want kubeward: …%s…", last, tc.msg)
			}
			// The message is one line; only a group given no command
			// prints its help (to stderr) before it.
			if len(lines) > 1 && !strings.Contains(last, "needs a command") {
				t.Errorf("stderr has %d lines, want one:\n%s", len(lines), errs)
			}
		})
	}
}

func TestAllowEmptyIsTheOptOut(t *testing.T) {
	d := failClosedDirs(t)
	for _, args := range [][]string{
		{"scan", "manifests", "--allow-empty", d["EMPTY"]},
		{"scan", "manifests", "--allow-empty", "-"},
		{"scan", "node", "--allow-empty", "--root", d["NODE"]},
	} {
		if code, _, errs := run(t, "", args...); code != ExitOK {
			t.Errorf("%v: exit %d, want 0 (stderr %q)", args, code, errs)
		}
	}
}

// TestFilenameIsAnInput: -f FILE is an input, as in kubectl, repeatable,
// and mixes with PATH arguments; every one of them is scanned.
func TestFilenameIsAnInput(t *testing.T) {
	code, out, errs := run(t, "", "scan", "manifests", "-o", "json",
		"-f", "../../examples/insecure/payments.yaml", "--filename", "../../examples/insecure/storefront.yaml", "testdata/everything-wrong.yaml")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"payments.yaml", "storefront.yaml", "everything-wrong.yaml"} {
		if !strings.Contains(out, f) {
			t.Errorf("%s was not scanned", f)
		}
	}
}

func TestValuesWithAChart(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(dir, "app")
	if err := os.MkdirAll(filepath.Join(chart, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"values.yaml":         "tag: latest\n",
		"templates/pod.yaml":  "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers: [{name: c, image: \"nginx:{{ .Values.tag }}\"}]\n",
		"../prod-values.yaml": "tag: \"1.2.3\"\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(chart, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := run(t, "", "scan", "manifests", "-o", "json", "--values", filepath.Join(dir, "prod-values.yaml"), "--set", "tag=1.2.4", dir)
	if code == ExitUsage {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "nginx:latest") {
		t.Errorf("values were not applied:\n%s", out)
	}
}

func TestWebhookManifestsNeverPlaceholderCA(t *testing.T) {
	code, out, errs := run(t, "", "webhook", "manifests", "--self-signed")
	if code != ExitOK {
		t.Fatalf("--self-signed: exit %d: %s", code, errs)
	}
	if strings.Contains(out, "REPLACE WITH") {
		t.Error("placeholder caBundle emitted")
	}
	ns := strings.Index(out, "kind: Namespace")
	secret := strings.Index(out, "kind: Secret")
	if ns < 0 || secret < ns || !strings.Contains(out, "type: kubernetes.io/tls") {
		t.Errorf("want the TLS Secret after its Namespace (namespace at %d, secret at %d)", ns, secret)
	}
	// A real CA file is taken as the caBundle.
	ca := filepath.Join(t.TempDir(), "ca.crt")
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	pemCA := pemCert(srv.TLS.Certificates[0])
	if err := os.WriteFile(ca, pemCA, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, "", "webhook", "manifests", "--ca-bundle-file", ca)
	if code != ExitOK || strings.Contains(out, "REPLACE WITH") || strings.Contains(out, "kind: Secret") {
		t.Errorf("--ca-bundle-file: exit %d, stderr %q", code, errs)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "", "version", "-o", "json")
	var v versionInfo
	if code != ExitOK || json.Unmarshal([]byte(out), &v) != nil || v.Version == "" || v.GoVersion == "" {
		t.Fatalf("version -o json: exit %d: %s", code, out)
	}
	code, out, _ = run(t, "", "version")
	if code != ExitOK || !strings.HasPrefix(out, "kubeward ") {
		t.Errorf("version: exit %d: %q", code, out)
	}
}

func TestVerdict(t *testing.T) {
	errRes := func(id string) result.Result {
		return result.Result{ID: id, Status: result.Error, Severity: catalog.SeverityMedium}
	}
	fail := result.Result{ID: "KW-POD-002", Status: result.Fail, Severity: catalog.SeverityCritical}
	tests := []struct {
		name         string
		results      []result.Result
		empty        string
		allowEmpty   bool
		ignoreErrors bool
		code         int
		stderr       string
	}{
		{"clean", nil, "", false, false, ExitOK, ""},
		{"nothing evaluated", nil, "no input", false, false, ExitUsage, ""},
		{"nothing evaluated, allowed", nil, "no input", true, false, ExitOK, ""},
		{"errors", []result.Result{errRes("KW-CL-000"), errRes("KW-CL-000"), errRes("KW-CL-090")}, "", false, false, ExitIncomplete,
			"kubeward: 3 results of 2 checks could not be evaluated (ERROR): KW-CL-000, KW-CL-090\n"},
		{"errors ignored", []result.Result{errRes("KW-CL-000")}, "", false, true, ExitOK, "kubeward: 1 check could not be evaluated (ERROR): KW-CL-000\n"},
		{"findings win over errors", []result.Result{fail, errRes("KW-CL-000")}, "", false, false, ExitFindings, "kubeward: 1 check could not be evaluated (ERROR): KW-CL-000\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr strings.Builder
			g := &globalOptions{stderr: &stderr, allowEmpty: tc.allowEmpty, ignoreErrors: tc.ignoreErrors}
			code := exitCode(g.verdict(&report.Run{Results: tc.results}, catalog.SeverityLow, tc.empty), &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			if tc.stderr != "" && stderr.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", stderr.String(), tc.stderr)
			}
		})
	}
}

// fakeAPIServer answers /version and lists namespaces as told; every other
// list is refused with 403.
func fakeAPIServer(t *testing.T, namespaces bool) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/version":
			fmt.Fprint(w, `{"major":"1","minor":"33","gitVersion":"v1.33.0"}`)
		case namespaces && r.URL.Path == "/api/v1/namespaces":
			fmt.Fprint(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"apps","labels":{"pod-security.kubernetes.io/enforce":"restricted"}}}]}`)
		default:
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"forbidden: cannot list %s"}`, r.URL.Path)
		}
	}))
	t.Cleanup(srv.Close)
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "`+srv.URL+`", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	return kc
}

func TestClusterFailsClosed(t *testing.T) {
	t.Run("every list refused", func(t *testing.T) {
		code, _, errs := run(t, "", "scan", "cluster", "--kubeconfig", fakeAPIServer(t, false), "-o", "json")
		if code != ExitUsage || !strings.Contains(errs, "kubeward: nothing was evaluated: every list was refused by") {
			t.Errorf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("some lists refused", func(t *testing.T) {
		kc := fakeAPIServer(t, true)
		code, _, errs := run(t, "", "scan", "cluster", "--kubeconfig", kc, "-o", "json", "--fail-on", "critical")
		if code != ExitIncomplete || !strings.Contains(errs, "could not be evaluated (ERROR): KW-CL-000") {
			t.Errorf("exit %d, want %d; stderr %q", code, ExitIncomplete, errs)
		}
		code, _, errs = run(t, "", "scan", "cluster", "--kubeconfig", kc, "-o", "json", "--fail-on", "critical", "--ignore-errors")
		if code != ExitOK {
			t.Errorf("--ignore-errors: exit %d; stderr %q", code, errs)
		}
	})
}

func pemCert(c tls.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
}

func TestVersionFromBuildInfo(t *testing.T) {
	old := buildInfo
	defer func() { buildInfo = old }()
	buildInfo = func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Path: "github.com/kubeward/kubeward", Version: "v1.4.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "57c9f33e"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-05T23:16:18Z"}}}, true
	}
	code, out, _ := run(t, "", "version")
	if code != ExitOK || !strings.HasPrefix(out, "kubeward v1.4.0 revision 57c9f33e (modified) 2026-12-05T23:16:18Z go") {
		t.Errorf("version: exit %d: %q", code, out)
	}
	var v versionInfo
	_, out, _ = run(t, "", "version", "-o", "json")
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != "v1.4.0" || v.Revision != "57c9f33e" || !v.Modified {
		t.Errorf("version -o json: %v %+v", err, v)
	}
}
