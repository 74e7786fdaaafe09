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
)

// Exit codes a CI pipeline can rely on.
const (
	ExitOK       = 0 // nothing at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on
	ExitUsage    = 2 // usage or input error
)

// Version is set at build time with -ldflags "-X github.com/kubeward/kubeward/internal/cli.Version=...".
var Version = "dev"

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageError(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

// globalOptions are the flags every audit shares.
type globalOptions struct {
	output     string
	configFile string
	failOn     string
	lang       string
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
}

func (g *globalOptions) loadConfig() (*config.Config, error) {
	if g.configFile == "" {
		return config.Default(), nil
	}
	c, err := config.Load(g.configFile)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return c, nil
}

func (g *globalOptions) validate() (catalog.Severity, error) {
	switch g.output {
	case "text", "json", "sarif", "junit":
	default:
		return 0, usageError("unknown output format %q (want text, json, sarif or junit)", g.output)
	}
	switch g.lang {
	case "en", "zh":
	default:
		return 0, usageError("unknown language %q (want en or zh)", g.lang)
	}
	sev, err := catalog.ParseSeverity(g.failOn)
	if err != nil {
		return 0, usageError("--fail-on: %v", err)
	}
	return sev, nil
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
		Short: "Audit, harden and enforce a Kubernetes platform's security plan",
		Long: `kubeward checks a Kubernetes platform against a five-layer security plan
(container runtime, containers and images, control plane, cluster policy, nodes)
and reports evidence an auditor accepts, in English or Chinese.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	pf := root.PersistentFlags()
	pf.StringVarP(&g.output, "output", "o", "text", "output format: text, json, sarif or junit")
	pf.StringVar(&g.configFile, "config", "", "configuration file (trusted registries, allowed capabilities, exceptions)")
	pf.StringVar(&g.failOn, "fail-on", "low", "exit 1 when a FAIL at or above this severity is found: critical, high, medium or low")
	pf.StringVar(&g.lang, "lang", defaultLang(), "report language: en or zh")
	root.AddCommand(newScanCommand(g), newCollectCommand(g), newChecksCommand(g), newVersionCommand(g))
	for _, c := range extraCommands {
		root.AddCommand(c(g))
	}
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

// extraCommands are added by the files of other jobs (webhook, export)
// from their init functions, so each job's command lives in its own file.
var extraCommands []func(*globalOptions) *cobra.Command

// Main runs kubeward with args and returns the exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "kubeward: "+ee.err.Error())
		}
		return ee.code
	}
	// cobra's own errors: unknown commands and flags.
	fmt.Fprintln(stderr, "kubeward: "+err.Error())
	return ExitUsage
}

func newVersionCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kubeward's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "kubeward %s\n", Version)
			return nil
		},
	}
}

// nowFunc is the clock exceptions expire against (tests replace it).
var nowFunc = time.Now
