package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/result"
)

// verdict turns a written report into the exit code. empty, when not "",
// says why nothing was evaluated: exit 2 unless --allow-empty. ERROR
// results (checks that could not be evaluated) are named on stderr in one
// line and, without findings at or above --fail-on, exit 3 unless
// --ignore-errors.
func (g *globalOptions) verdict(run *report.Run, failOn catalog.Severity, empty string) error {
	if empty != "" && !g.allowEmpty {
		return usageError("nothing was evaluated: %s; --allow-empty accepts this", empty)
	}
	n, ids := errored(run.Results)
	if n > 0 {
		fmt.Fprintf(g.stderr, "kubeward: %s could not be evaluated (ERROR): %s\n", countChecks(n, len(ids)), listIDs(ids, 10))
	}
	if run.AtOrAbove(failOn) > 0 {
		return &exitError{code: ExitFindings}
	}
	if n > 0 && !g.ignoreErrors {
		return &exitError{code: ExitIncomplete}
	}
	return nil
}

// errored counts ERROR results and the distinct checks they belong to.
func errored(rs []result.Result) (int, []string) {
	n := 0
	seen := map[string]bool{}
	var ids []string
	for i := range rs {
		if rs[i].Status != result.Error {
			continue
		}
		n++
		if !seen[rs[i].ID] {
			seen[rs[i].ID] = true
			ids = append(ids, rs[i].ID)
		}
	}
	sort.Strings(ids)
	return n, ids
}

func countChecks(results, checks int) string {
	plural := func(n int, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, one)
		}
		return fmt.Sprintf("%d %s", n, many)
	}
	if results == checks {
		return plural(checks, "check", "checks")
	}
	return plural(results, "result", "results") + " of " + plural(checks, "check", "checks")
}

func listIDs(ids []string, max int) string {
	if len(ids) <= max {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:max], ", ") + fmt.Sprintf(" and %d more", len(ids)-max)
}

// doesWork marks the commands that read hosts, clusters or files, serve or
// write: FuzzArgs replaces their RunE so only parsing and validation
// (PreRunE) run. Every such command validates all its flags in PreRunE.
const doesWork = "kubeward.io/does-work"

func markWork(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[doesWork] = "true"
	return cmd
}
