package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/harden"
	"github.com/kubeward/kubeward/internal/result"
)

func init() {
	hardenSubcommands = append(hardenSubcommands, newHardenPlanCommand)
}

func newHardenPlanCommand(g *globalOptions) *cobra.Command {
	o := &manifestOptions{}
	var format string
	cmd := &cobra.Command{
		Use:   "plan [PATH...] [-f FILE]...",
		Short: "For every FAIL of a manifest scan, the fix that resolves it or why there is none",
		Long: `plan scans manifests as scan manifests does and lists, for every FAIL, the fix
kubeward harden manifests would make (the edits, and whether a person must
review them), or why there is no automatic fix (a fact kubeward lacks, such as
a trusted mirror or an image digest). -o json is for tools.`,
		Example: `  kubeward harden plan examples/insecure
  kubeward harden plan -o json deploy/ | jq '.findings[] | select(.automatic | not)'`,
		Args: cobra.ArbitraryArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("-o: unknown output format %q (want text or json)", format)
			}
			g.output = "text"
			return o.validate(g, args)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runHardenPlan(g, o, format) },
	}
	addManifestInputFlags(cmd, o, g)
	addSupplyChainFlags(cmd.Flags(), &o.supply, false) // KW-SUP-006's fix pins verified tags (supplychain.go)
	cmd.Flags().StringVarP(&format, "output", "o", "text", "format: text or json")
	return markWork(cmd)
}

type planEdit struct {
	Op        string `json:"op"`
	Path      string `json:"path"`
	Value     any    `json:"value,omitempty"`
	Companion bool   `json:"companion,omitempty"`
	Review    bool   `json:"review,omitempty"`
}

type planFinding struct {
	ID        string           `json:"id"`
	Severity  string           `json:"severity"`
	Subject   result.Subject   `json:"subject"`
	Location  *result.Location `json:"location,omitempty"`
	Message   string           `json:"message"`
	Automatic bool             `json:"automatic"`
	Changes   string           `json:"changes,omitempty"`
	Manual    string           `json:"manual,omitempty"`
	// Generated: the new objects of the namespace layer that resolve it
	// (harden manifests --out DIR, harden cluster).
	Generated string     `json:"generated,omitempty"`
	Review    bool       `json:"review,omitempty"`
	Edits     []planEdit `json:"edits,omitempty"`
	// ResolvedAfter: a rescan of the objects after every fix finds this
	// FAIL no more (through its own fix or another check's).
	ResolvedAfter bool `json:"resolvedAfter"`
}

type planSummary struct {
	Fail      int `json:"fail"`
	Automatic int `json:"automatic"`
	Manual    int `json:"manual"`
	Generated int `json:"generated"`
	ByOthers  int `json:"resolvedByOtherFixes"`
	Objects   int `json:"objects"`
}

type planReport struct {
	Version  string        `json:"version"`
	Lang     string        `json:"lang"`
	Inputs   []string      `json:"inputs"`
	Summary  planSummary   `json:"summary"`
	Findings []planFinding `json:"findings"`
	Errors   []string      `json:"errors,omitempty"`
}

func runHardenPlan(g *globalOptions, o *manifestOptions, format string) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	plan, stats, _ := planForHarden(g, o, cfg)
	objs := plan.Objects
	if len(objs) == 0 {
		for _, e := range stats.Errors {
			fmt.Fprintln(g.stderr, "kubeward: "+e.Error())
		}
		return &exitError{code: ExitUsage, err: errors.New(emptyManifests(o.paths, stats))}
	}
	rep := planReport{Version: Version, Lang: g.lang, Inputs: o.paths, Findings: []planFinding{}}
	rep.Summary.Objects = len(objs)
	for _, e := range stats.Errors {
		rep.Errors = append(rep.Errors, e.Error())
	}
	left, err := plan.Rescan(cfg)
	if err != nil {
		return err
	}
	for _, f := range plan.Findings {
		after := !left[harden.FindingKey(&f.Result)]
		pf := planFinding{ResolvedAfter: after, ID: f.Result.ID, Severity: f.Result.Severity.String(), Subject: f.Result.Subject, Location: f.Result.Location,
			Message: f.Result.Message.In(g.lang), Automatic: len(f.Edits) > 0, Review: f.Review}
		if pf.Automatic {
			pf.Changes = f.Changes.In(g.lang)
			rep.Summary.Automatic++
			for _, e := range f.Edits {
				pf.Edits = append(pf.Edits, planEdit{Op: e.Op.String(), Path: e.Path, Value: e.Value, Companion: e.Companion, Review: e.Review})
				pf.Review = pf.Review || e.Review
			}
		} else if f.Generated.EN != "" && after {
			pf.Generated = f.Generated.In(g.lang)
			rep.Summary.Generated++
		} else if f.Generated.EN != "" {
			// The layer's objects are not enough: what is left needs a
			// person (a policy that allows everything must be deleted,
			// workloads below baseline fixed first).
			pf.Manual = catalog.Text{
				EN: fmt.Sprintf("the namespace layer's new objects (%s) do not resolve it alone; harden manifests --out DIR names what a person must do first", f.Generated.EN),
				ZH: fmt.Sprintf("命名空间层的新对象（%s）不足以单独解决；harden manifests --out DIR 会列出需要人工先处理的事项", f.Generated.ZH),
			}.In(g.lang)
			rep.Summary.Manual++
		} else {
			pf.Manual = f.Manual.In(g.lang)
			if after {
				pf.Manual = catalog.F("none needed: it passes once the other fixes of this object are applied", "无需单独修复：应用该对象的其他修复后即通过").In(g.lang)
				rep.Summary.ByOthers++
			} else {
				rep.Summary.Manual++
			}
		}
		rep.Summary.Fail++
		rep.Findings = append(rep.Findings, pf)
	}
	if format == "json" {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("writing plan: %w", err)
		}
	} else {
		writePlanText(g.stdout, &rep, g.lang)
	}
	for _, e := range stats.Errors {
		fmt.Fprintln(g.stderr, "kubeward: "+e.Error())
	}
	if len(stats.Errors) > 0 {
		return &exitError{code: ExitUsage}
	}
	return nil
}

func writePlanText(w io.Writer, rep *planReport, lang string) {
	t := func(en, zh string, args ...any) string { return catalog.F(en, zh, args...).In(lang) }
	for _, f := range rep.Findings {
		where := ""
		if l := f.Location; l != nil && l.File != "" {
			where = fmt.Sprintf(" (%s:%d)", l.File, l.Line)
		}
		subj := f.Subject.Kind + " " + f.Subject.Name
		if f.Subject.Namespace != "" {
			subj = f.Subject.Kind + " " + f.Subject.Namespace + "/" + f.Subject.Name
		}
		title := ""
		if e := catalog.Get(f.ID); e != nil {
			title = e.Title.In(lang)
		}
		fmt.Fprintf(w, "%s %s %s%s: %s\n", f.ID, strings.ToUpper(f.Severity), subj, where, title)
		if f.Automatic && !f.ResolvedAfter {
			fmt.Fprintf(w, "  %s\n", t("warning: a rescan after the fixes still finds it", "警告：修复后重新扫描仍发现此问题"))
		}
		if f.Automatic {
			review := ""
			if f.Review {
				review = t(" [review]", " [需评审]")
			}
			fmt.Fprintf(w, "  %s%s %s\n", t("fix:", "修复："), review, f.Changes)
			for _, e := range f.Edits {
				fmt.Fprintf(w, "    %s\n", editLine(e))
			}
		} else if f.Generated != "" {
			fmt.Fprintf(w, "  %s %s\n", t("new objects (harden manifests --out DIR, harden cluster):", "新对象（harden manifests --out DIR、harden cluster）："), f.Generated)
		} else {
			fmt.Fprintf(w, "  %s %s\n", t("no automatic fix:", "无自动修复："), f.Manual)
		}
	}
	fmt.Fprintln(w, t("%d FAIL: %d with an automatic fix (kubeward harden manifests), %d resolved by new objects (--out DIR), %d resolved by those fixes, %d need a person", "%d 个 FAIL：%d 个有自动修复（kubeward harden manifests），%d 个由新对象解决（--out DIR），%d 个随这些修复解决，%d 个需要人工处理",
		rep.Summary.Fail, rep.Summary.Automatic, rep.Summary.Generated, rep.Summary.ByOthers, rep.Summary.Manual))
}

func editLine(e planEdit) string {
	ce := check.Edit{Path: e.Path, Value: e.Value}
	switch e.Op {
	case "remove":
		ce.Op = check.Remove
	case "append":
		ce.Op = check.Append
	case "create":
		ce.Op = check.Create
		return "create " + check.FormatValue(e.Value)
	default:
		ce.Op = check.Set
	}
	s := ce.String()
	if e.Companion {
		s += " (companion)"
	}
	return s
}
