package cli

import (
	"math"
	"time"

	"github.com/spf13/cobra"
)

// addReportFlags registers the flags of the commands that write an audit
// report (the scan commands), and only those.
func addReportFlags(cmd *cobra.Command, g *globalOptions) {
	f := cmd.Flags()
	f.StringVarP(&g.output, "output", "o", "text", "report format: text, json, sarif, junit, html or markdown")
	f.StringVar(&g.configFile, "config", "", "configuration file (trusted registries, allowed capabilities, system and sensitive namespaces, exceptions)")
	f.StringVar(&g.failOn, "fail-on", "low", "exit 1 when a FAIL at or above this severity is found: critical, high, medium or low")
	f.StringVar(&g.lang, "lang", defaultLang(), "report language: en or zh (KUBEWARD_LANG or the locale sets the default)")
	f.BoolVar(&g.allowEmpty, "allow-empty", false, "exit 0 even when nothing was evaluated (otherwise exit 2)")
	f.BoolVar(&g.ignoreErrors, "ignore-errors", false, "exit 0 even when some checks could not be evaluated (otherwise exit 3)")
	f.StringVar(&g.baselineFile, "baseline", "", "earlier JSON report (-o json): mark findings it holds as unchanged, report the rest as new, and fail only on new ones")
	f.StringVar(&g.sarifRoot, "sarif-root", ".", "directory SARIF paths are relative to (the repository root GitHub code scanning resolves them against)")
}

// Flag validators: one line naming the flag, exit 2, before any work.

func atLeast[T int | int32 | int64](flag string, v, min T) error {
	if v < min {
		return usageError("--%s %d: must be at least %d", flag, v, min)
	}
	return nil
}

func between[T int | int32 | int64](flag string, v, min, max T) error {
	if v < min || v > max {
		return usageError("--%s %d: must be between %d and %d", flag, v, min, max)
	}
	return nil
}

func positiveFloat(flag string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return usageError("--%s %v: must be a positive number", flag, v)
	}
	return nil
}

func positiveDuration(flag string, d time.Duration) error {
	if d <= 0 {
		return usageError("--%s %s: must be positive", flag, d)
	}
	return nil
}

func nonNegativeDuration(flag string, d time.Duration) error {
	if d < 0 {
		return usageError("--%s %s: must not be negative", flag, d)
	}
	return nil
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
