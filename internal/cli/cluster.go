package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/check/cluster"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/report"
	"github.com/kubeward/kubeward/internal/source/kube"
	"github.com/kubeward/kubeward/internal/source/registry"
)

type clusterOptions struct {
	kube          kube.Options
	allNamespaces bool
	showPassed    bool
	etcd          etcdOptions
	failOn        catalog.Severity   // validated --fail-on
	benchmark     string             // --benchmark
	reports       inClusterReports   // --write-reports, --nodes (inclusterreports.go)
	supply        supplyChainOptions // --offline, --vuln-report, --pull-secrets (supplychain.go)
}

func newScanClusterCommand(g *globalOptions) *cobra.Command {
	o := &clusterOptions{}
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Audit a live cluster through the Kubernetes API (read-only)",
		Long: `Audit a live cluster with the same catalogue as the manifest audit, plus what
only a live cluster can answer: effective RBAC per subject, service account use,
NetworkPolicy coverage per workload, quota content and usage, the strictest Pod
Security level each namespace could enforce today, placement, admission webhooks
and the control plane's static pods. Workloads are evaluated once per owner.
Secrets are read as metadata only. The permissions it needs are in
deploy/rbac/kubeward-reader.yaml.`,
		Example: `  kubeward scan cluster
  kubeward scan cluster --context prod -n payments -o sarif
  kubeward scan cluster --etcd-endpoints https://10.0.0.10:2379 --etcd-cacert ca.crt --etcd-cert client.crt --etcd-key client.key`,
		Args:    cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error { return o.validate(cmd, g) },
		RunE:    func(cmd *cobra.Command, _ []string) error { return runScanCluster(cmd.Context(), g, o) },
	}
	addReportFlags(cmd, g)
	f := cmd.Flags()
	f.StringVar(&o.kube.Kubeconfig, "kubeconfig", "", "kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster config)")
	f.StringVar(&o.kube.Context, "context", "", "kubeconfig context")
	f.StringVarP(&o.kube.Namespace, "namespace", "n", "", "audit one namespace (cluster-scoped objects are still read)")
	f.BoolVarP(&o.allNamespaces, "all-namespaces", "A", true, "audit every namespace (the default; -n audits one)")
	f.Float32Var(&o.kube.QPS, "qps", 50, "client-side request rate limit")
	f.IntVar(&o.kube.Burst, "burst", 100, "client-side request burst")
	f.Int64Var(&o.kube.PageSize, "page-size", 1000, "objects per list page")
	f.IntVar(&o.kube.Concurrency, "concurrency", 6, "lists running at once")
	f.BoolVar(&o.showPassed, "show-passed", false, "list PASS results one by one (otherwise counted)")
	addEtcdFlags(f, &o.etcd)
	addBenchmarkFlag(cmd, &o.benchmark)
	addInClusterReportFlags(f, &o.reports, true)
	addSupplyChainFlags(f, &o.supply, true)
	return markWork(cmd)
}

// validate checks every flag before the API server is contacted.
func (o *clusterOptions) validate(cmd *cobra.Command, g *globalOptions) error {
	failOn, err := g.validate()
	if err != nil {
		return err
	}
	o.failOn = failOn
	f := cmd.Flags()
	if f.Changed("all-namespaces") {
		switch {
		case o.allNamespaces && o.kube.Namespace != "":
			return usageError("-A/--all-namespaces and -n/--namespace %s are exclusive", o.kube.Namespace)
		case !o.allNamespaces && o.kube.Namespace == "":
			return usageError("-A=false needs -n/--namespace NAME")
		}
	}
	if f.Changed("namespace") && o.kube.Namespace == "" {
		return usageError("--namespace: must not be empty (leave it out to audit every namespace)")
	}
	if err := firstError(
		positiveFloat("qps", float64(o.kube.QPS)),
		atLeast("burst", o.kube.Burst, 1),
		atLeast("page-size", o.kube.PageSize, 1),
		between("concurrency", o.kube.Concurrency, 1, 64),
	); err != nil {
		return err
	}
	if err := o.etcd.validate(f.Changed("etcd-prefix")); err != nil {
		return err
	}
	if err := validateBenchmark(o.benchmark, "cluster"); err != nil {
		return err
	}
	if err := o.reports.validate(f); err != nil {
		return err
	}
	_, err = g.loadConfig()
	return err
}

func runScanCluster(ctx context.Context, g *globalOptions, o *clusterOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	failOn := o.failOn
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
	verifier, err := o.supply.verifier(cfg)
	if err != nil {
		return err
	}
	var pull *registry.PullSecrets
	if o.supply.pullSecrets {
		pull = registry.NewPullSecrets(client.Typed)
	}
	clusterVulnReports(ctx, g, client, verifier, o.kube.Namespace) // supplychain.go
	facts := imageFacts(ctx, verifier, pull)
	engine := check.New(check.Options{Config: cfg, KeepPasses: o.showPassed || o.reports.write, Mode: "cluster"})
	static := &kube.StaticPods{}
	prog := g.newProgress("listing " + client.Host)
	stats := client.Walk(ctx, func(o *inventory.Object) {
		prog.object(o)
		static.Observe(o)
		facts(o)
		engine.Observe(o)
	})
	prog.done()
	// The control plane's static pods, as the API server shows them: the
	// node audit's flag and config rules on their command lines.
	staticEnv := &check.Env{Config: cfg, Mode: "cluster", Now: time.Now()}
	for _, n := range static.Nodes() {
		engine.AddResults(check.EvaluateFlagRules(staticEnv, n)...)
	}
	for _, e := range stats.Errors {
		engine.AddResults(cluster.ReadErrorResult(cluster.ListRefused{Host: client.Host, Verb: e.Verb, Resource: e.Resource, Err: e}))
	}
	if o.etcd.endpoints != "" {
		engine.AddResults(proveEncryption(ctx, client, &o.etcd)...)
	}
	rep := engine.Finish()
	now := nowFunc()
	results, passed, err := o.reports.clusterReports(ctx, g, client, o.kube.Namespace, o.showPassed, rep.Results, rep.Passed, now)
	if err != nil {
		return err
	}
	run := &report.Run{Target: "cluster", Inputs: []string{client.Host}, Results: results, Passed: passed,
		Objects: rep.Objects, Skipped: nil, Version: Version, Lang: g.lang, FailOn: failOn, Color: g.color(), Time: now, Host: client.Host,
		BaseDir: g.sarifRoot, ConfigFile: g.configFile}
	for _, e := range stats.Errors {
		run.Errors = append(run.Errors, e.Error())
	}
	run.Benchmark = benchmarkView(o.benchmark, "cluster", nil, run.Results, run.Passed)
	if err := g.writeReport(run); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	fmt.Fprintf(g.stderr, "kubeward: read %d objects from %s in %s\n", stats.Objects, client.Host, stats.Duration.Round(time.Millisecond))
	empty := ""
	switch {
	case stats.Objects == 0 && len(stats.Errors) > 0:
		empty = fmt.Sprintf("every list was refused by %s (%d resources; first: %v)", client.Host, len(stats.Errors), stats.Errors[0])
	case stats.Objects == 0:
		empty = "the API server " + client.Host + " returned no objects"
	}
	return g.verdict(run, failOn, empty)
}
