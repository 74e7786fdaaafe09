package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
)

func init() {
	extraCommands = append(extraCommands, newDiffCommand)
}

func newDiffCommand(g *globalOptions) *cobra.Command {
	var format, lang, failOnText string
	var failOnNew bool
	var failOn catalog.Severity
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two JSON reports: new, fixed and unchanged findings",
		Long: `Compare two reports written with -o json (any scan, either language) and list the
findings that are new in NEW.json, fixed since OLD.json, and unchanged. Findings are
matched by the SARIF fingerprint (check ID, subject and field path), so a finding
whose object moved to another line is unchanged, and a Chinese report diffs against
an English one. Findings are FAIL, WARN, IGNORED and ERROR results.

--fail-on-new exits 1 when a new FAIL at or above --fail-on is found: a CI gate
that fails on what a change introduced, not on what was there before.`,
		Example: `  kubeward scan manifests deploy/ -o json > new.json
  kubeward diff baseline.json new.json
  kubeward diff baseline.json new.json -o markdown --fail-on-new --fail-on high`,
		Args: cobra.ExactArgs(2),
		PreRunE: func(*cobra.Command, []string) error {
			switch format {
			case "text", "json", "markdown":
			default:
				return usageError("-o: unknown output format %q for diff (want text, json or markdown)", format)
			}
			if err := validateLang(lang); err != nil {
				return err
			}
			sev, err := catalog.ParseSeverity(failOnText)
			if err != nil {
				return usageError("--fail-on: %v", err)
			}
			failOn = sev
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			old, err := readReport(args[0])
			if err != nil {
				return err
			}
			cur, err := readReport(args[1])
			if err != nil {
				return err
			}
			d := report.Compare(args[0], old, args[1], cur)
			if err := report.WriteDiff(g.stdout, format, lang, d); err != nil {
				return fmt.Errorf("writing diff: %w", err)
			}
			if failOnNew && d.NewAtOrAbove(failOn) > 0 {
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&format, "output", "o", "text", "output format: text, json or markdown")
	f.StringVar(&lang, "lang", defaultLang(), "language: en or zh (KUBEWARD_LANG or the locale sets the default)")
	f.BoolVar(&failOnNew, "fail-on-new", false, "exit 1 when NEW.json has a FAIL at or above --fail-on that OLD.json has not")
	f.StringVar(&failOnText, "fail-on", "low", "severity --fail-on-new counts from: critical, high, medium or low")
	return markWork(cmd)
}

// readReport reads a JSON report; a file that is not one is a usage error
// (exit 2) naming the file.
func readReport(file string) (*report.Report, error) {
	rep, err := report.ReadReportFile(file)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return rep, nil
}

// loadBaseline reads --baseline once, before any work: a file that is not
// a JSON report stops the scan with exit 2.
func (g *globalOptions) loadBaseline() error {
	if g.baselineFile == "" || g.baseline != nil {
		return nil
	}
	rep, err := readReport(g.baselineFile)
	if err != nil {
		return err
	}
	g.baseline = report.NewBaseline(g.baselineFile, rep)
	return nil
}

// writeReport writes run in the -o format, marked against --baseline when
// it is given.
func (g *globalOptions) writeReport(run *report.Run) error {
	run.Baseline = g.baseline
	return report.Write(g.stdout, g.output, run)
}
