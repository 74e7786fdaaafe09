package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"

	"github.com/kubeward/kubeward/internal/harden/apply"
	nodefix "github.com/kubeward/kubeward/internal/harden/node"
	"github.com/kubeward/kubeward/internal/source/kube"
)

func init() {
	hardenSubcommands = append(hardenSubcommands, newHardenUndoCommand)
}

type hardenUndoOptions struct {
	kube   kube.Options
	force  bool
	dryRun bool
}

func newHardenUndoCommand(g *globalOptions) *cobra.Command {
	o := &hardenUndoOptions{}
	cmd := &cobra.Command{
		Use:   "undo RECORD",
		Short: "Undo a `harden cluster --apply` or `harden node --apply` from its record",
		Long: `harden undo restores exactly what a "harden cluster --apply" record says: every
object kubeward changed gets its previous state back (re-created if it was
deleted since), and the objects kubeward created are deleted, only while their
UID is the one recorded (the server checks it). Nothing else is deleted.

An object that changed since kubeward applied it is left alone and reported
(exit 1) unless --force. Every step is dry-run on the server first and the
diff is shown; --dry-run stops there. The record must have been made against
the same API server.

harden undo / 撤销加固：按记录恢复 kubeward 修改过的对象的原状态，仅删除记录中由
kubeward 创建且 UID 一致的对象；其他对象一律不删除。`,
		Example: `  kubeward harden undo kubeward-undo-20261206T013000Z.json
  kubeward harden undo --dry-run payments-undo.json`,
		Args: cobra.ExactArgs(1),
		PreRunE: func(_ *cobra.Command, _ []string) error {
			return validateLang(g.lang)
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runHardenUndo(cmd.Context(), g, o, args[0]) },
	}
	f := cmd.Flags()
	f.StringVar(&o.kube.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster config)")
	f.StringVar(&o.kube.Context, "context", "", "kubeconfig context")
	f.BoolVar(&o.force, "force", false, "undo objects that changed since kubeward applied them (never deletes an object with another UID)")
	f.BoolVar(&o.dryRun, "dry-run", false, "show what undo would do, after the server's dry run, and change nothing")
	f.StringVar(&g.lang, "lang", defaultLang(), "language of the output: en or zh (KUBEWARD_LANG or the locale sets the default)")
	return markWork(cmd)
}

func runHardenUndo(ctx context.Context, g *globalOptions, o *hardenUndoOptions, file string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// A `harden node --apply` record (files on this node) has its own kind.
	if data, err := readBounded(file); err == nil && nodefix.RecordKindOf(data) == nodefix.RecordKind {
		return runNodeUndo(g, file, o.force, o.dryRun)
	}
	rec, err := apply.LoadRecord(file)
	if err != nil {
		return usageError("harden undo: %v", err)
	}
	client, err := kube.Connect(o.kube)
	if err != nil {
		return usageError("%v", err)
	}
	if strings.TrimRight(client.Host, "/") != strings.TrimRight(rec.Server, "/") {
		return usageError("harden undo: %s was made against %s, but the kubeconfig points at %s", file, rec.Server, client.Host)
	}
	if err := client.Ping(ctx); err != nil {
		return usageError("%v", err)
	}
	dyn, err := dynamic.NewForConfig(client.Config)
	if err != nil {
		return usageError("client for %s: %v", client.Host, err)
	}
	ap := apply.New(dyn, client.Host)
	steps, err := ap.UndoPlan(ctx, rec, o.force)
	if err != nil {
		return usageError("harden undo: %s: %v (kubeward changes nothing it cannot dry-run first)", client.Host, err)
	}
	for _, s := range steps {
		ref := s.Entry.Ref().String()
		switch {
		case s.Refused:
			fmt.Fprintf(g.stderr, layerText(g, "left alone: %s: %s\n", "保持不变：%s：%s\n"), ref, s.Why)
		case s.Do == "skip":
			fmt.Fprintf(g.stderr, layerText(g, "nothing to do: %s: %s\n", "无需处理：%s：%s\n"), ref, s.Why)
		default:
			fmt.Fprintf(g.stderr, "%s: %s\n", undoVerb(g, s.Do), ref)
		}
		if s.Diff != "" && !s.Refused {
			fmt.Fprint(g.stdout, s.Diff)
		}
	}
	if o.dryRun {
		fmt.Fprintln(g.stderr, layerText(g, "kubeward: dry run: nothing changed", "kubeward：试运行：未做任何更改"))
		return refusedExit(steps)
	}
	if err := ap.Undo(ctx, steps); err != nil {
		if errors.Is(err, apply.ErrRefused) {
			fmt.Fprintln(g.stderr, layerText(g, "kubeward: undone, except the objects left alone above (--force undoes them)",
				"kubeward：已撤销，上面保持不变的对象除外（--force 可撤销它们）"))
			return &exitError{code: ExitFindings}
		}
		return fmt.Errorf("harden undo: %w", err)
	}
	fmt.Fprintf(g.stderr, layerText(g, "kubeward: undid %s on %s\n", "kubeward：已在 %[2]s 上撤销 %[1]s\n"), file, client.Host)
	return nil
}

func refusedExit(steps []*apply.Step) error {
	for _, s := range steps {
		if s.Refused {
			return &exitError{code: ExitFindings}
		}
	}
	return nil
}

func undoVerb(g *globalOptions, do string) string {
	zh := map[string]string{"delete": "删除", "restore": "恢复", "re-create": "重新创建"}
	if g.lang == "zh" {
		return zh[do]
	}
	return do
}
