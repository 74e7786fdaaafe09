// Command loadcluster fills a real API server with a large, realistic cluster
// (about --objects objects: namespaces with quotas, limit ranges,
// NetworkPolicies, service accounts, RBAC, ConfigMaps, Secrets, Services;
// Deployments with current and old ReplicaSets and Pods, StatefulSets,
// DaemonSets, CronJobs with Jobs; Nodes), for the scale test of
// `kubeward scan cluster`. Run it against a control plane without
// controllers (harness up --no-controllers --kubelet false): nothing then
// creates, deletes or garbage-collects what it writes. Names are
// deterministic; a second run creates only what is missing.
//
//	go run ./cmd/loadcluster --kubeconfig DIR/kubeconfig/admin.conf --objects 100000 --workers 32
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubeward/kubeward/test/cluster/cmd/loadcluster/loader"
)

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("loadcluster: ")
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster to fill")
	objects := flag.Int("objects", 100000, "approximate number of objects to create")
	workers := flag.Int("workers", 32, "concurrent create chains")
	qps := flag.Float64("qps", 2000, "client-side request rate limit")
	burst := flag.Int("burst", 4000, "client-side request burst")
	noStatus := flag.Bool("no-pod-status", false, "leave Pods Pending with an empty status (saves one request per Pod)")
	planOnly := flag.Bool("plan", false, "print the plan and exit")
	flag.Parse()

	plan := loader.NewPlan(*objects)
	fmt.Printf("plan for %d objects:\n%s", *objects, loader.FormatCounts(plan.Counts()))
	if *planOnly {
		return
	}
	cfg, err := loader.Config(*kubeconfig, float32(*qps), *burst)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	log.Printf("loading %s with %d workers (qps %.0f, burst %d)", cfg.Host, *workers, *qps, *burst)
	res, err := loader.Load(ctx, cfg, loader.Options{Objects: *objects, Workers: *workers, NoPodStatus: *noStatus, Logf: log.Printf})
	if res != nil {
		created, existing := 0, 0
		for _, n := range res.Created {
			created += n
		}
		for _, n := range res.Existing {
			existing += n
		}
		fmt.Printf("objects present:\n%s", loader.FormatCounts(res.Objects()))
		for _, p := range res.Phases {
			fmt.Printf("phase %-42s %s\n", p.Name, p.Duration.Round(1e6))
		}
		fmt.Printf("loaded %d objects (%d created, %d already there), %d status writes, %d requests in %s (%.0f objects/s)\n",
			created+existing, created, existing, res.Statuses, res.Requests, res.Duration.Round(1e6), float64(created)/res.Duration.Seconds())
	}
	if err != nil {
		log.Fatal(err)
	}
}
