// Package cli holds kubeward's commands, flags and exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kubeward/kubeward/internal/catalog"
	_ "github.com/kubeward/kubeward/internal/check/all" // register every check
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/report"
)

// Exit codes a CI pipeline can rely on. When several apply, the lowest
// non-zero one in this order wins: usage/input (2), findings (1),
// incomplete (3).
const (
	ExitOK       = 0 // nothing at or above --fail-on, and every check evaluated
	ExitFindings = 1 // findings at or above --fail-on
	ExitUsage    = 2 // usage or input error, unknown command, or nothing evaluated
	// ExitIncomplete: no findings at or above --fail-on, but some checks
	// could not be evaluated (ERROR results); --ignore-errors accepts that.
	ExitIncomplete = 3
)

// Version is set at build time with -ldflags "-X github.com/kubeward/kubeward/internal/cli.Version=...".
var Version = "dev"

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// globalOptions are the streams every command shares and the report flags
// of the commands that report (addReportFlags).
type globalOptions struct {
	output       string
	configFile   string
	failOn       string
	lang         string
	allowEmpty   bool
	ignoreErrors bool
	sarifRoot    string // --sarif-root: SARIF paths are relative to it
	baselineFile string // --baseline: an earlier JSON report
	baseline     *report.Baseline
	cfg          *config.Config // loaded once by loadConfig
	stdin        io.Reader
	stdout       io.Writer
	stderr       io.Writer
}

func (g *globalOptions) loadConfig() (*config.Config, error) {
	if g.cfg != nil {
		return g.cfg, nil
	}
	if g.configFile == "" {
		g.cfg = config.Default()
		return g.cfg, nil
	}
	c, err := config.Load(g.configFile)
	if err != nil {
		return nil, usageError("%v", err)
	}
	g.cfg = c
	return c, nil
}

func (g *globalOptions) validate() (catalog.Severity, error) {
	switch g.output {
	case "text", "json", "sarif", "junit", "html", "markdown":
	default:
		return 0, usageError("-o: unknown output format %q (want text, json, sarif, junit, html or markdown)", g.output)
	}
	if err := validateLang(g.lang); err != nil {
		return 0, err
	}
	sev, err := catalog.ParseSeverity(g.failOn)
	if err != nil {
		return 0, usageError("--fail-on: %v", err)
	}
	// Reports show SOURCE_DATE_EPOCH as their time when it is set; a value
	// that is not a time is refused rather than ignored (the spec's advice).
	if _, _, err := report.SourceDateEpoch(); err != nil {
		return 0, usageError("%v", err)
	}
	if err := g.loadBaseline(); err != nil {
		return 0, err
	}
	return sev, nil
}

func validateLang(lang string) error {
	switch lang {
	case "en", "zh":
		return nil
	}
	return usageError("--lang: unknown language %q (want en or zh; the default comes from KUBEWARD_LANG or the locale)", lang)
}

// color reports whether text output goes to a terminal that wants colour.
func (g *globalOptions) color() bool {
	if os.Getenv("NO_COLOR") != "" || g.output != "text" {
		return false
	}
	f, ok := g.stdout.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newRoot(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubeward",
		Short: "Audit and enforce a Kubernetes platform's security plan",
		Long: `kubeward checks a Kubernetes platform against a five-layer security plan
(container runtime, containers and images, control plane, cluster policy, nodes)
and reports evidence an auditor accepts, in English or Chinese: manifests, nodes
and live clusters with "scan", and the same checks at admission with "webhook"
or as ValidatingAdmissionPolicies with "export vap".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.AddCommand(newScanCommand(g), newCollectCommand(g), newChecksCommand(g), newVersionCommand(g))
	for _, c := range extraCommands {
		root.AddCommand(c(g))
	}
	failClosed(root)
	return root
}

// defaultLang follows KUBEWARD_LANG, then the locale.
func defaultLang() string {
	if l := os.Getenv("KUBEWARD_LANG"); l != "" {
		return l
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if strings.HasPrefix(os.Getenv(v), "zh") {
			return "zh"
		}
	}
	return "en"
}

// extraCommands are added from init functions by the files that define
// them (webhook.go, export.go), so each command lives in its own file.
var extraCommands []func(*globalOptions) *cobra.Command

// Main runs kubeward with args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return mainWith(args, stdin, stdout, stderr, nil)
}

// mainWith is Main with a hook that may change the command tree first
// (FuzzArgs stubs the commands that do work).
func mainWith(args []string, stdin io.Reader, stdout, stderr io.Writer, tweak func(*cobra.Command)) int {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(g)
	if tweak != nil {
		tweak(root)
	}
	root.SetArgs(args)
	return exitCode(root.Execute(), stderr)
}

// exitCode prints err as one line and maps it to an exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if msg := ee.Error(); msg != "" {
			fmt.Fprintln(stderr, "kubeward: "+oneLine(msg))
		}
		return ee.code
	}
	// cobra's own errors: unknown flags, bad flag values, wrong arguments.
	fmt.Fprintln(stderr, "kubeward: "+oneLine(err.Error()))
	return ExitUsage
}

// oneLine folds a multi-line message so stderr gets one line per problem.
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// nowFunc is the clock exceptions expire against (tests replace it). It is
// never SOURCE_DATE_EPOCH: that only changes the time reports show
// (report.SourceDateEpoch), so a pinned build date cannot revive an expired
// exception.
var nowFunc = time.Now
