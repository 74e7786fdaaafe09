package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

// chromiumPath is Debian's chromium (.ci/run installs it). Outside CI the
// test skips without it; in CI (CI set) a missing browser fails the test.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("KUBEWARD_CHROMIUM"), "chromium", "chromium-browser"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium not found: .ci/run installs Debian's chromium package")
	}
	t.Skip("chromium not found (apt-get install chromium)")
	return ""
}

// artifactDir keeps the screenshots after the test: .cache/artifacts/NAME
// under the repository (git-ignored), or $KUBEWARD_ARTIFACTS/NAME.
func artifactDir(t *testing.T, name string) string {
	t.Helper()
	base := os.Getenv("KUBEWARD_ARTIFACTS")
	if base == "" {
		abs, err := filepath.Abs(filepath.Join("..", "..", "..", ".cache", "artifacts"))
		if err != nil {
			t.Fatal(err)
		}
		base = abs
	}
	dir := filepath.Join(base, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// jsonReport is what the browser test compares the page with.
type jsonReport struct {
	Summary struct {
		Statuses map[string]int `json:"statuses"`
	} `json:"summary"`
	Results []struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Severity string `json:"severity"`
		Layer    int    `json:"layer"`
		Title    string `json:"title"`
		Subject  struct {
			Kind, Namespace, Name string
		} `json:"subject"`
	} `json:"results"`
	// Benchmark is the CIS compliance view (--benchmark).
	Benchmark *struct {
		Sections []struct {
			ID    string `json:"id"`
			Tally struct {
				Total int     `json:"total"`
				Rate  float64 `json:"passRate"`
			} `json:"tally"`
		} `json:"sections"`
		Total struct {
			Total int `json:"total"`
		} `json:"total"`
	} `json:"benchmark"`
}

// field is a result's value for a filter of the page.
func (r *jsonReport) field(i int, filter string) string {
	x := r.Results[i]
	switch filter {
	case "layer":
		return fmt.Sprint(x.Layer)
	case "severity":
		return x.Severity
	case "status":
		return x.Status
	case "namespace":
		return x.Subject.Namespace
	case "check":
		return x.ID
	}
	return ""
}

// browser is one headless Chromium and what it saw: console errors,
// uncaught exceptions, log errors (CSP violations among them), dialogs,
// and every network request.
type browser struct {
	ctx      context.Context
	mu       sync.Mutex
	errors   []string
	requests []string
	dialogs  []string
}

func newBrowser(t *testing.T, chrome string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Headless, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{}
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithListener(func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, fmt.Sprintf("exception: %s %v", e.ExceptionDetails.Text, e.ExceptionDetails.Exception))
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				b.errors = append(b.errors, fmt.Sprintf("log %s %s: %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			b.requests = append(b.requests, e.Request.URL)
		case *page.EventJavascriptDialogOpening:
			b.dialogs = append(b.dialogs, e.Message)
			go chromedp.Call(b.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
		}
	}))
	b.ctx = ctx
	t.Cleanup(func() { cancelC(); cancelA() })
	// The first call starts the browser (no timeout on its context).
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.Enable, page.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	return b
}

// eval runs js in the page and decodes its JSON result into out.
func (b *browser) eval(t *testing.T, js string, out any) {
	t.Helper()
	raw, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]byte](js))
	if err != nil {
		t.Fatalf("evaluate %.80s: %v", js, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("evaluate %.80s: %v: %s", js, err, raw)
	}
}

// visible is the number of result rows shown and what the page's counter says.
func (b *browser) visible(t *testing.T) (int, string) {
	t.Helper()
	var v struct {
		N     int    `json:"n"`
		Shown string `json:"shown"`
	}
	b.eval(t, `({n: Array.from(document.querySelectorAll('tr.finding')).filter(r => !r.hidden && r.offsetParent !== null).length,
		shown: document.getElementById('shown').textContent})`, &v)
	return v.N, v.Shown
}

var hanRE = regexp.MustCompile(`\p{Han}`)

// checkPage opens html in the browser and compares it with the JSON report
// of the same scan: counts per status and severity, each filter narrowing
// the rows to the results it selects, the search box, and (zh) that every
// heading and label is Chinese and every check title the Chinese one. It
// keeps a screenshot, and fails on any console error, exception, dialog or
// network request.
func checkPage(t *testing.T, b *browser, htmlFile, jsonFile, lang string, enTitles map[string]string, shot string) {
	t.Helper()
	raw, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep jsonReport
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	b.errors, b.requests, b.dialogs = nil, nil, nil
	b.mu.Unlock()
	url := "file://" + htmlFile
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("#results"))); err != nil {
		t.Fatalf("open %s: %v", htmlFile, err)
	}

	// Counts per status (cards) and rows per status and severity.
	var cards map[string]int
	b.eval(t, `Object.fromEntries(Array.from(document.querySelectorAll('.card')).map(c => [c.dataset.status, +c.dataset.count]))`, &cards)
	for s, n := range rep.Summary.Statuses {
		if cards[s] != n {
			t.Errorf("%s: card %s shows %d, JSON summary %d", lang, s, cards[s], n)
		}
	}
	for s, n := range cards {
		if n != rep.Summary.Statuses[s] {
			t.Errorf("%s: card %s shows %d, JSON summary %d", lang, s, n, rep.Summary.Statuses[s])
		}
	}
	var rows map[string]int
	b.eval(t, `Array.from(document.querySelectorAll('tr.finding')).reduce((m, r) => {
		m['status/' + r.dataset.status] = (m['status/' + r.dataset.status] || 0) + 1;
		m['severity/' + r.dataset.severity] = (m['severity/' + r.dataset.severity] || 0) + 1; return m; }, {})`, &rows)
	want := map[string]int{}
	for _, r := range rep.Results {
		want["status/"+r.Status]++
		want["severity/"+r.Severity]++
	}
	for k, n := range want {
		if rows[k] != n {
			t.Errorf("%s: %d rows with %s, JSON has %d results", lang, rows[k], k, n)
		}
	}
	if len(rows) != len(want) {
		t.Errorf("%s: rows by status and severity %v, JSON %v", lang, rows, want)
	}
	// The page shows the matching rows a page (data-page) at a time; the
	// counter counts every match.
	var page int
	b.eval(t, `+document.getElementById('results').dataset.page`, &page)
	if page < 1 {
		t.Fatalf("%s: no page size", lang)
	}
	all := min(len(rep.Results), page)
	if n, shown := b.visible(t); n != all || shown != fmt.Sprint(len(rep.Results)) {
		t.Errorf("%s: %d rows shown (counter %q), JSON has %d results (page %d)", lang, n, shown, len(rep.Results), page)
	}
	if len(rep.Results) > page {
		for _, step := range []struct {
			button string
			want   int
		}{{"#show-more", min(len(rep.Results), 2*page)}, {"#show-all", len(rep.Results)}} {
			if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(step.button))); err != nil {
				t.Fatal(err)
			}
			if n, _ := b.visible(t); n != step.want {
				t.Errorf("%s: after %s %d rows shown, want %d", lang, step.button, n, step.want)
			}
		}
		var moreHidden bool
		b.eval(t, `document.getElementById('more').hidden`, &moreHidden)
		if !moreHidden {
			t.Errorf("%s: 'show more' still offered with every row shown", lang)
		}
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`button[type=reset]`))); err != nil {
			t.Fatal(err)
		}
		if n, _ := b.visible(t); n != page {
			t.Errorf("%s: after reset %d rows shown, want the first page (%d)", lang, n, page)
		}
	}

	// Each filter, each of its values: the rows shown are those of the
	// JSON results it selects, and the counter says how many.
	for _, filter := range []string{"layer", "severity", "status", "namespace", "check"} {
		var values []string
		b.eval(t, fmt.Sprintf(`Array.from(document.querySelectorAll('select[name=%s] option')).map(o => o.value).filter(v => v !== '')`, filter), &values)
		if len(values) == 0 && filter != "namespace" {
			t.Errorf("%s: filter %s has no option", lang, filter)
		}
		for _, v := range values {
			expect := 0
			for i := range rep.Results {
				if rep.field(i, filter) == v {
					expect++
				}
			}
			js := fmt.Sprintf(`(() => { const s = document.querySelector('select[name=%s]'); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, filter, v)
			var ok bool
			b.eval(t, js, &ok)
			if n, shown := b.visible(t); n != min(expect, page) || shown != fmt.Sprint(expect) {
				t.Errorf("%s: filter %s=%s shows %d rows (counter %q), JSON selects %d (page %d)", lang, filter, v, n, shown, expect, page)
			}
		}
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`button[type=reset]`))); err != nil {
			t.Fatal(err)
		}
		if n, _ := b.visible(t); n != all {
			t.Errorf("%s: after reset %d rows shown, want %d", lang, n, all)
		}
	}
	// Two filters at once narrow to the intersection.
	expect := 0
	for _, r := range rep.Results {
		if r.Status == "FAIL" && r.Severity == "high" {
			expect++
		}
	}
	var ok bool
	b.eval(t, `(() => { for (const [k, v] of [['status', 'FAIL'], ['severity', 'high']]) { const s = document.querySelector('select[name=' + k + ']'); s.value = v; s.dispatchEvent(new Event('change', {bubbles: true})); } return true; })()`, &ok)
	if n, _ := b.visible(t); n != min(expect, page) {
		t.Errorf("%s: FAIL and high shows %d rows, JSON selects %d (page %d)", lang, n, expect, page)
	}
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`button[type=reset]`))); err != nil {
		t.Fatal(err)
	}

	// The search box, typed into: the rows shown all hold the word.
	term := ""
	for _, r := range rep.Results {
		if r.Status == "FAIL" && r.Subject.Name != "" {
			term = r.Subject.Name
			break
		}
	}
	if term != "" {
		if err := chromedp.Do(b.ctx, chromedp.SendKeys(chromedp.CSS(`input[name=q]`), term)); err != nil {
			t.Fatal(err)
		}
		n, _ := b.visible(t)
		var allHold bool
		b.eval(t, fmt.Sprintf(`Array.from(document.querySelectorAll('tr.finding')).filter(r => !r.hidden).every(r => r.textContent.toLowerCase().includes(%q))`, strings.ToLower(term)), &allHold)
		if n == 0 || n >= all || !allHold {
			t.Errorf("%s: search %q shows %d of %d rows (all holding it: %v)", lang, term, n, len(rep.Results), allHold)
		}
		if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`button[type=reset]`))); err != nil {
			t.Fatal(err)
		}
	}

	// The CIS view: one row per section with the JSON's pass rate, and one
	// row per recommendation.
	if bm := rep.Benchmark; bm != nil {
		var view struct {
			Rates map[string]string `json:"rates"`
			Recs  int               `json:"recs"`
		}
		b.eval(t, `({rates: Object.fromEntries(Array.from(document.querySelectorAll('tr.bench-section')).map(r => [r.dataset.section, r.querySelector('td.rate').textContent])),
			recs: document.querySelectorAll('tr.bench-rec').length})`, &view)
		if len(view.Rates) != len(bm.Sections) || view.Recs != bm.Total.Total {
			t.Errorf("%s: %d sections and %d recommendations shown, the JSON view has %d and %d", lang, len(view.Rates), view.Recs, len(bm.Sections), bm.Total.Total)
		}
		for _, sec := range bm.Sections {
			got := view.Rates[sec.ID]
			if sec.Tally.Rate >= 0 && got != fmt.Sprintf("%.1f%%", sec.Tally.Rate) || sec.Tally.Rate < 0 && strings.Contains(got, "%") {
				t.Errorf("%s: section %s pass rate %q, JSON %.1f", lang, sec.ID, got, sec.Tally.Rate)
			}
		}
	}

	// Printing: with a filter hiding rows, the print stylesheet hides the
	// filters and prints every row, and printing opens every Fix. The PDF
	// is kept beside the screenshots.
	b.eval(t, `(() => { const s = document.querySelector('select[name=status]'); s.value = 'FAIL'; s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, &ok)
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	var printed struct {
		Filters string `json:"filters"`
		Rows    int    `json:"rows"`
	}
	b.eval(t, `({filters: getComputedStyle(document.getElementById('filters')).display,
		rows: Array.from(document.querySelectorAll('tr.finding')).filter(r => getComputedStyle(r).display !== 'none').length})`, &printed)
	if printed.Filters != "none" || printed.Rows != len(rep.Results) {
		t.Errorf("%s: print media shows the filters (display %q) or %d of %d rows", lang, printed.Filters, printed.Rows, len(rep.Results))
	}
	if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	// Chromium refuses to print or capture a page hundreds of sheets long
	// ("Page is too large"): the large page is checked under print media
	// only.
	small := len(rep.Results) <= page
	if small {
		pdf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPrintBackground()))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(pdf), "%PDF-") || len(pdf) < 10000 {
			t.Errorf("%s: the PDF is %d bytes", lang, len(pdf))
		}
		if err := os.WriteFile(strings.TrimSuffix(shot, ".png")+".pdf", pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		var allOpen bool
		b.eval(t, `Array.from(document.querySelectorAll('tr.finding details')).every(d => d.open)`, &allOpen)
		if !allOpen {
			t.Errorf("%s: printing did not open every Fix", lang)
		}
	}
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(`button[type=reset]`))); err != nil {
		t.Fatal(err)
	}

	if lang == "zh" {
		var labels []string
		b.eval(t, `Array.from(document.querySelectorAll('h1, h2, h3, th, dt, .card .l, form.filters label, button, .legend span, #findings option[value=""]'))
			.map(e => (e.tagName === 'LABEL' ? e.firstChild.textContent : e.textContent).trim()).filter(s => s !== '')`, &labels)
		if len(labels) < 20 {
			t.Errorf("zh: only %d headings and labels found", len(labels))
		}
		for _, l := range labels {
			if !hanRE.MatchString(l) {
				t.Errorf("zh: untranslated heading or label %q", l)
			}
		}
		var titles [][2]string
		b.eval(t, `Array.from(document.querySelectorAll('tr.finding')).map(r => [r.dataset.check, r.querySelector('.check-title').textContent])`, &titles)
		zh := map[string]string{}
		for _, r := range rep.Results {
			zh[r.ID] = r.Title
		}
		for _, tt := range titles {
			if tt[1] != zh[tt[0]] || tt[1] == enTitles[tt[0]] || !hanRE.MatchString(tt[1]) {
				t.Errorf("zh: %s title %q (zh report %q, en report %q)", tt[0], tt[1], zh[tt[0]], enTitles[tt[0]])
			}
		}
	}

	// Attacker markup stays text: no element it could create, no dialog.
	var imgs int
	b.eval(t, `document.querySelectorAll('img, iframe, object, embed').length + document.querySelectorAll('script').length - 1`, &imgs)
	if imgs != 0 {
		t.Errorf("%s: %d elements the page does not make (img, iframe, extra script)", lang, imgs)
	}

	// The first screen (header, summary, charts) and the whole page.
	var scrolled bool
	b.eval(t, `(() => { window.scrollTo(0, 0); return true; })()`, &scrolled)
	top, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	pngs := map[string][]byte{shot: top}
	if small {
		full, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		pngs[strings.TrimSuffix(shot, ".png")+"-full.png"] = full
	}
	for file, png := range pngs {
		if err := os.WriteFile(file, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots: %s (and -full.png, .pdf for a page that fits)", shot)

	time.Sleep(200 * time.Millisecond) // late console or network events
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("%s: %s", lang, e)
	}
	for _, d := range b.dialogs {
		t.Errorf("%s: a dialog opened: %q", lang, d)
	}
	for _, r := range b.requests {
		if r != url {
			t.Errorf("%s: network request to %s", lang, r)
		}
	}
}

// scanTo runs kubeward with args (-o FORMAT appended) from the repository
// root and writes its report to file; exit 0 or 1 is expected.
func scanTo(t *testing.T, file, format string, args ...string) {
	t.Helper()
	cmd := exec.Command(kubewardBin(t), append(args, "-o", format)...)
	cmd.Dir = filepath.Join("..", "..", "..")
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH=1767225600")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() != 1 || err != nil && !ok {
		t.Fatalf("kubeward %s: %v: %s", strings.Join(args, " "), err, stderrOf(err))
	}
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// titlesOf maps check IDs to the titles a JSON report gives them.
func titlesOf(t *testing.T, file string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var rep jsonReport
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, r := range rep.Results {
		m[r.ID] = r.Title
	}
	return m
}

// renderAndCheck writes the HTML and JSON reports of one scan in English
// and Chinese and checks both pages in the browser.
func renderAndCheck(t *testing.T, b *browser, dir, name, shots string, args ...string) {
	t.Helper()
	files := map[string]string{}
	for _, lang := range []string{"en", "zh"} {
		files[lang+"html"] = filepath.Join(dir, name+"-"+lang+".html")
		files[lang+"json"] = filepath.Join(dir, name+"-"+lang+".json")
		// A live cluster changes while it settles (the controller-manager
		// creates ReplicaSets, pods, service accounts): the HTML is
		// compared with a JSON report of the same state, the JSON written
		// before and after it being the same.
		again := filepath.Join(dir, name+"-"+lang+"-again.json")
		for try := 1; ; try++ {
			scanTo(t, files[lang+"json"], "json", append(args, "--lang", lang)...)
			scanTo(t, files[lang+"html"], "html", append(args, "--lang", lang)...)
			scanTo(t, again, "json", append(args, "--lang", lang)...)
			a, _ := os.ReadFile(files[lang+"json"])
			b, _ := os.ReadFile(again)
			if string(a) == string(b) {
				break
			}
			if try == 10 {
				t.Fatalf("%s %s: the audited state did not settle in %d tries", name, lang, try)
			}
			time.Sleep(2 * time.Second)
		}
	}
	en := titlesOf(t, files["enjson"])
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			checkPage(t, b, files[lang+"html"], files[lang+"json"], lang, en, filepath.Join(shots, name+"-"+lang+".png"))
		})
	}
}

// TestHTMLReportInChromium renders the HTML report of examples/insecure
// (with an attacker's manifest and an exception) and of a live cluster in
// headless Chromium, in English and Chinese, and checks the page against
// the JSON report of the same scan (checkPage).
func TestHTMLReportInChromium(t *testing.T) {
	chrome := chromiumPath(t)
	b := newBrowser(t, chrome)
	shots := artifactDir(t, "report-browser")
	dir, err := filepath.Abs(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	evil := filepath.Join(dir, "evil.yaml")
	if err := os.WriteFile(evil, []byte(`apiVersion: v1
kind: Pod
metadata:
  name: evil
  namespace: payments
spec:
  containers:
    - name: x
      image: "evil.example/x:1<script>alert(1)</script><img src=x onerror=alert(2)>"
      securityContext:
        privileged: true
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "kubeward.yaml")
	if err := os.WriteFile(cfg, []byte(`trustedRegistries: [registry.bank.internal]
allowedCapabilities: [NET_BIND_SERVICE]
ignore:
  - id: KW-HOST-003
    subject: "payments/*"
    reason: "CNI debugging approved in CHG-1234"
    expires: "2099-12-31"
`), 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("manifests", func(t *testing.T) {
		renderAndCheck(t, b, dir, "manifests", shots, "scan", "manifests", "--config", cfg, "examples/insecure", evil)
		// The page last open is the zh one: the attacker's image name is
		// there as text, and the exception with its reason and expiry.
		var shown struct {
			Payload    bool `json:"payload"`
			Exceptions int  `json:"exceptions"`
			Expiry     bool `json:"expiry"`
		}
		b.eval(t, `({payload: document.body.textContent.includes('<img src=x onerror=alert(2)>'),
			exceptions: document.querySelectorAll('tr.exception').length,
			expiry: Array.from(document.querySelectorAll('tr.exception')).some(r => r.textContent.includes('CHG-1234') && r.textContent.includes('2099-12-31'))})`, &shown)
		if !shown.Payload {
			t.Error("the attacker's image name is not shown as text")
		}
		if shown.Exceptions == 0 || !shown.Expiry {
			t.Errorf("the exception of KW-HOST-003 is not listed with its reason and expiry: %+v", shown)
		}
	})

	// More findings than a page: 300 failing workloads (about 2,400
	// results) from kubeward-corpus, shown 1,000 at a time.
	t.Run("large", func(t *testing.T) {
		corpus := filepath.Join(dir, "corpus.yaml")
		gen := exec.Command("go", "run", "./cmd/kubeward-corpus", "-failing", "-objects", "300")
		gen.Dir = filepath.Join("..", "..", "..")
		out, err := gen.Output()
		if err != nil {
			t.Fatalf("kubeward-corpus: %v: %s", err, stderrOf(err))
		}
		if err := os.WriteFile(corpus, out, 0o644); err != nil {
			t.Fatal(err)
		}
		renderAndCheck(t, b, dir, "large", shots, "scan", "manifests", corpus)
	})

	t.Run("cluster", func(t *testing.T) {
		c := up(t, harness.Insecure, func(o *harness.Options) { o.Kubelet = false; o.SkipProxy = true })
		cs := clientFor(t, c)
		ctx := context.Background()
		k := &creator{t: t, cs: cs, ctx: ctx}
		k.namespace("shop", nil)
		k.namespace("bank", map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
		k.hardenNamespace("bank")
		k.must(cs.AppsV1().Deployments("bank").Create(ctx, deployment("bank", "ledger", 2, hardenedSpec("default")), metav1.CreateOptions{}))
		risky := corev1.PodSpec{HostNetwork: true, Containers: []corev1.Container{{Name: "web", Image: "docker.io/shop/web:latest",
			SecurityContext: &corev1.SecurityContext{Privileged: ptr(true)}}}}
		k.must(cs.AppsV1().Deployments("shop").Create(ctx, deployment("shop", "web", 1, risky), metav1.CreateOptions{}))
		renderAndCheck(t, b, dir, "cluster", shots, "scan", "cluster", "--kubeconfig", c.AdminKubeconfig(), "--benchmark", "cis-kubernetes-1.12")
		var sections int
		b.eval(t, `document.querySelectorAll('tr.bench-section').length`, &sections)
		if sections == 0 {
			t.Error("the cluster page with --benchmark shows no CIS section")
		}
	})
}
