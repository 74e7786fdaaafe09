package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/harden"
	"github.com/kubeward/kubeward/internal/harden/apply"
	"github.com/kubeward/kubeward/internal/harden/namespaces"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/kube"
)

func init() {
	hardenSubcommands = append(hardenSubcommands, newHardenClusterCommand)
}

type hardenClusterOptions struct {
	kube    kube.Options
	out     string
	apply   bool
	record  string
	include []string
}

func (o *hardenClusterOptions) includes(what string) bool {
	for _, i := range o.include {
		if i == what {
			return true
		}
	}
	return false
}

func newHardenClusterCommand(g *globalOptions) *cobra.Command {
	o := &hardenClusterOptions{}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Generate the namespace layer for a live cluster; --apply applies it with an undo record",
		Long: `harden cluster reads a live cluster (kubectl conventions: --kubeconfig,
--context, -n) and generates, per tenant namespace, what the namespace layer
lacks: a ResourceQuota sized from current usage plus headroom (never below what
runs), a LimitRange, default-deny NetworkPolicies with DNS, same-namespace and
per-Service allows (ports from the EndpointSlices that exist), and Pod Security
labels at the level every current pod meets (warn and audit restricted).

Every object is dry-run on the server first; a cluster that refuses a dry run
is refused. By default the objects are written to --out and the diff against
the live objects is shown. --apply applies them with server-side apply (field
manager kubeward), after the dry run and the diff, and writes a record file:
"kubeward harden undo RECORD" puts back every changed object's previous state
and deletes only the objects the record says kubeward created. Nothing else is
ever deleted.

harden cluster / 集群加固：为每个租户命名空间生成缺失的命名空间层（配额、LimitRange、
默认拒绝网络策略及 DNS、同命名空间与 Service 放行、Pod 安全标签），先在服务端试运行并
显示差异；--apply 以 kubeward 字段管理器执行服务端应用并写出撤销记录。`,
		Example: `  kubeward harden cluster --out hardened/
  kubeward harden cluster --context prod -n payments --apply --record payments-undo.json
  kubeward harden undo payments-undo.json`,
		Args: cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			if !o.apply && o.out == "" {
				return usageError("harden cluster: --out DIR (write the objects and show the diff) or --apply is required")
			}
			if cmd.Flags().Changed("record") && !o.apply {
				return usageError("harden cluster: --record names the undo record of --apply")
			}
			if cmd.Flags().Changed("namespace") && o.kube.Namespace == "" {
				return usageError("--namespace: must not be empty")
			}
			if err := validateLang(g.lang); err != nil {
				return err
			}
			if len(o.include) == 0 {
				return usageError("--include: name namespaces, workloads or both")
			}
			for _, i := range o.include {
				if i != "namespaces" && i != "workloads" {
					return usageError("--include: unknown %q (namespaces, workloads)", i)
				}
			}
			_, err := g.loadConfig()
			return err
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runHardenCluster(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.kube.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster config)")
	f.StringVar(&o.kube.Context, "context", "", "kubeconfig context")
	f.StringVarP(&o.kube.Namespace, "namespace", "n", "", "harden one namespace")
	f.StringVar(&o.out, "out", "", "directory for the generated objects, one file per namespace")
	f.BoolVar(&o.apply, "apply", false, "apply the objects (server-side apply, field manager kubeward) after the dry run and the diff")
	f.StringSliceVar(&o.include, "include", []string{"namespaces"}, "what to harden: namespaces (the namespace layer), workloads (patches the tenant namespaces' Deployments, StatefulSets and DaemonSets with the automatic fixes: this rolls their pods)")
	f.StringVar(&o.record, "record", "", "undo record file of --apply (default kubeward-undo-TIME.json; never overwritten)")
	addHardenFlags(f, g)
	return markWork(cmd)
}

// addHardenFlags adds the configuration file and the language.
func addHardenFlags(f *pflag.FlagSet, g *globalOptions) {
	f.StringVar(&g.configFile, "config", "", "configuration file (harden.namespaces: quota, LimitRange, headroom, DNS, service clients; systemNamespaces)")
	f.StringVar(&g.lang, "lang", defaultLang(), "language of the output: en or zh (KUBEWARD_LANG or the locale sets the default)")
}

// clusterFacts are what the layer is sized from.
type clusterFacts struct {
	objects []*inventory.Object
	pvcs    []*corev1.PersistentVolumeClaim
	slices  []*discoveryv1.EndpointSlice
}

// readCluster lists what the namespace layer needs. A list that fails is an
// error: a quota sized from part of the pods could be below what runs.
func readCluster(ctx context.Context, client *kube.Client, ns string) (*clusterFacts, error) {
	f := &clusterFacts{}
	var mu sync.Mutex
	stats := client.Walk(ctx, func(o *inventory.Object) {
		mu.Lock()
		f.objects = append(f.objects, o)
		mu.Unlock()
	})
	if len(stats.Errors) > 0 {
		return nil, fmt.Errorf("%w (the layer is not sized from a partial read)", stats.Errors[0])
	}
	cs := client.Typed
	for cont := ""; ; {
		l, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{Limit: 500, Continue: cont})
		if err != nil {
			return nil, fmt.Errorf("listing services: %w", err)
		}
		for i := range l.Items {
			s := &l.Items[i]
			f.objects = append(f.objects, &inventory.Object{Kind: "Service", Version: "v1", Namespace: s.Namespace, Name: s.Name, Labels: s.Labels, Typed: s})
		}
		if cont = l.Continue; cont == "" {
			break
		}
	}
	for cont := ""; ; {
		l, err := cs.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{Limit: 500, Continue: cont})
		if err != nil {
			return nil, fmt.Errorf("listing endpointslices.discovery.k8s.io: %w", err)
		}
		for i := range l.Items {
			f.slices = append(f.slices, &l.Items[i])
		}
		if cont = l.Continue; cont == "" {
			break
		}
	}
	for cont := ""; ; {
		l, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{Limit: 500, Continue: cont})
		if err != nil {
			return nil, fmt.Errorf("listing persistentvolumeclaims: %w", err)
		}
		for i := range l.Items {
			f.pvcs = append(f.pvcs, &l.Items[i])
		}
		if cont = l.Continue; cont == "" {
			break
		}
	}
	return f, nil
}

func runHardenCluster(ctx context.Context, g *globalOptions, o *hardenClusterOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	client, err := kube.Connect(o.kube)
	if err != nil {
		return usageError("%v", err)
	}
	if err := client.Ping(ctx); err != nil {
		return usageError("%v", err)
	}
	facts, err := readCluster(ctx, client, o.kube.Namespace)
	if err != nil {
		return usageError("harden cluster: %s: %v", client.Host, err)
	}
	layers := namespaces.Generate(namespaces.Input{Objects: facts.objects, Config: cfg, Live: true, PVCs: facts.pvcs, EndpointSlices: facts.slices})
	if o.kube.Namespace != "" {
		var one []namespaces.Namespace
		for _, l := range layers {
			if l.Name == o.kube.Namespace {
				one = append(one, l)
			}
		}
		layers = one
	}
	if !o.includes("namespaces") {
		layers = nil
	}
	var objs []*unstructured.Unstructured
	var ops []apply.PatchOp
	if o.includes("workloads") {
		wobjs, wops, err := workloadFixes(g, cfg, facts.objects, o.kube.Namespace)
		if err != nil {
			return err
		}
		objs, ops = wobjs, wops
	}
	for _, l := range layers {
		for _, gen := range l.Objects {
			m, err := namespaces.Map(gen.Object)
			if err != nil {
				return err
			}
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
	dyn, err := dynamic.NewForConfig(client.Config)
	if err != nil {
		return usageError("client for %s: %v", client.Host, err)
	}
	ap := apply.New(dyn, client.Host)
	changes, err := ap.Plan(ctx, objs)
	if err != nil {
		return usageError("harden cluster: %s: %v (kubeward applies nothing it cannot dry-run first)", client.Host, err)
	}
	patches, err := ap.PlanPatches(ctx, ops)
	if err != nil {
		return usageError("harden cluster: %s: %v (kubeward applies nothing it cannot dry-run first)", client.Host, err)
	}
	changes = append(changes, patches...)
	printDiffs(g.stdout, changes)
	if o.out != "" && len(ops) > 0 {
		if err := writePatchFiles(g, ops, o.out); err != nil {
			return err
		}
	}
	if o.out != "" && len(layers) > 0 {
		if err := writeLayerFiles(g, layers, o.out, g.stderr); err != nil {
			return err
		}
	} else {
		for _, l := range layers {
			for _, n := range l.Notes {
				fmt.Fprintf(g.stderr, "%s: %s\n", layerText(g, "needs a person", "需人工处理"), n.In(g.lang))
			}
		}
	}
	n := 0
	for _, ch := range changes {
		if ch.Diff != "" {
			n++
		}
	}
	if !o.apply {
		fmt.Fprintf(g.stderr, layerText(g, "kubeward: %d of %d objects would change on %s (dry run accepted); --apply applies them\n",
			"kubeward：%[3]s 上 %[2]d 个对象中有 %[1]d 个将改变（试运行通过）；--apply 执行应用\n"), n, len(changes), client.Host)
		return nil
	}
	if n == 0 {
		fmt.Fprintf(g.stderr, layerText(g, "kubeward: nothing to apply on %s\n", "kubeward：%s 上无需应用任何内容\n"), client.Host)
		return nil
	}
	file := o.record
	if file == "" {
		file = "kubeward-undo-" + nowFunc().UTC().Format("20060102T150405Z") + ".json"
	}
	if err := apply.CreateRecordFile(file); err != nil {
		return usageError("harden cluster: %v", err)
	}
	rec := &apply.Record{Kind: apply.RecordKind, Version: apply.RecordVersion, Server: client.Host, Time: nowFunc().UTC().Truncate(time.Second)}
	save := func(r *apply.Record) error { return apply.WriteRecordFile(file, r) }
	if err := save(rec); err != nil {
		return err
	}
	if err := ap.Apply(ctx, changes, rec, save); err != nil {
		return fmt.Errorf("harden cluster: %w; what was applied is in %s (kubeward harden undo %s)", err, file, file)
	}
	created := 0
	for _, e := range rec.Entries {
		if e.Action == apply.Created {
			created++
		}
	}
	fmt.Fprintf(g.stderr, layerText(g, "kubeward: applied %d objects on %s (%d created, %d changed); undo record %s: kubeward harden undo %s\n",
		"kubeward：已在 %[2]s 上应用 %[1]d 个对象（新建 %[3]d，修改 %[4]d）；撤销记录 %[5]s：kubeward harden undo %[6]s\n"),
		len(rec.Entries), client.Host, created, len(rec.Entries)-created, file, file)
	return nil
}

func printDiffs(w io.Writer, changes []*apply.Change) {
	for _, ch := range changes {
		if ch.Diff != "" {
			fmt.Fprint(w, ch.Diff)
			if !strings.HasSuffix(ch.Diff, "\n") {
				fmt.Fprintln(w)
			}
		}
	}
}

// workloadFixes plans part 1's automatic fixes (the catalogue's Spec.Fix,
// through harden.Build) for the top-level Deployments, StatefulSets and
// DaemonSets of the tenant namespaces, as strategic-merge patches (a fix may
// remove a field another manager owns, which server-side apply cannot), and
// the new objects the fixes need (ServiceAccounts), applied first. Pods and
// the ReplicaSets of Deployments are left to their controllers; system
// namespaces are not touched.
func workloadFixes(g *globalOptions, cfg *config.Config, all []*inventory.Object, ns string) ([]*unstructured.Unstructured, []apply.PatchOp, error) {
	var ctrls []*inventory.Object
	for _, o := range all {
		if o.Owner != "" || (ns != "" && o.Namespace != ns) || isSystemNamespace(cfg, o.Namespace) {
			continue
		}
		switch o.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
			ctrls = append(ctrls, o)
		}
	}
	plan := harden.Build(cfg, ctrls)
	var objs []*unstructured.Unstructured
	var ops []apply.PatchOp
	for _, f := range plan.Fixes {
		p, err := harden.Patch(f)
		if err != nil {
			return nil, nil, fmt.Errorf("harden cluster: %w", err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			return nil, nil, fmt.Errorf("harden cluster: %w", err)
		}
		o := f.Object
		api := o.Version
		if o.Group != "" {
			api = o.Group + "/" + o.Version
		}
		ops = append(ops, apply.PatchOp{Ref: apply.Ref{APIVersion: api, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}, Patch: b})
		review := ""
		if f.Review {
			review = layerText(g, " (review: the fix may break the app)", "（需复核：该修复可能影响应用）")
		}
		fmt.Fprintf(g.stderr, layerText(g, "%s %s/%s: resolves %s%s; rolls its pods\n", "%s %s/%s：修复 %s%s；将滚动更新其 Pod\n"),
			o.Kind, o.Namespace, o.Name, strings.Join(f.Resolves, ", "), review)
		for _, n := range f.New {
			objs = append(objs, &unstructured.Unstructured{Object: n})
		}
	}
	return objs, ops, nil
}

func isSystemNamespace(cfg *config.Config, ns string) bool {
	if ns == "kube-system" {
		return true
	}
	for _, s := range cfg.SystemNamespaces {
		if s == ns {
			return true
		}
	}
	return false
}

// writePatchFiles writes each workload patch as
// DIR/patch-NAMESPACE-KIND-NAME.yaml (kubectl patch --type strategic
// --patch-file), with the same keep-or-backup rule as the layer files.
func writePatchFiles(g *globalOptions, ops []apply.PatchOp, outDir string) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("harden: %w", err)
	}
	for _, op := range ops {
		y, err := yaml.JSONToYAML(op.Patch)
		if err != nil {
			return fmt.Errorf("harden: %s: %w", op.Ref, err)
		}
		file := filepath.Join(outDir, fmt.Sprintf("patch-%s-%s-%s.yaml", op.Namespace, strings.ToLower(op.Kind), op.Name))
		state, backup, err := writeKeeping(file, y)
		if err != nil {
			return err
		}
		switch state {
		case "unchanged":
			fmt.Fprintf(g.stderr, layerText(g, "%s: unchanged\n", "%s：未改变\n"), file)
		case "replaced":
			fmt.Fprintf(g.stderr, layerText(g, "%s: rewritten, the previous file kept as %s\n", "%s：已重写，原文件保存为 %s\n"), file, backup)
		default:
			fmt.Fprintf(g.stderr, layerText(g, "%s: written (kubectl patch --type strategic --patch-file)\n", "%s：已写入（kubectl patch --type strategic --patch-file）\n"), file)
		}
	}
	return nil
}
