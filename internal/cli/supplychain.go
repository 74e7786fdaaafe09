package cli

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"
	"k8s.io/client-go/dynamic"

	"github.com/kubeward/kubeward/internal/admit"
	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/kube"
	"github.com/kubeward/kubeward/internal/source/registry"
)

// supplyChainOptions are the scans' supply-chain flags: the registry is
// asked when the configuration has supplyChain.policies, unless --offline,
// where only the reports given (--vuln-report, supplyChain.reports) are read.
type supplyChainOptions struct {
	offline     bool
	reports     []string
	pullSecrets bool // scan cluster: read the pods' imagePullSecrets
}

func addSupplyChainFlags(f *pflag.FlagSet, o *supplyChainOptions, cluster bool) {
	f.BoolVar(&o.offline, "offline", false, "supply chain: do not ask the registry; judge images by the vulnerability reports given (signatures are not verified)")
	f.StringArrayVar(&o.reports, "vuln-report", nil, "supply chain: a Trivy or Grype JSON report of an image, matched by digest (repeatable)")
	if cluster {
		f.BoolVar(&o.pullSecrets, "pull-secrets", false, "supply chain: read the pods' imagePullSecrets to reach the registry (needs get on secrets)")
	}
}

// verifier is nil when no supply-chain policy is configured. Reports that
// do not parse, keys and CA files that do not load are usage errors.
func (o *supplyChainOptions) verifier(cfg *config.Config) (*registry.Verifier, error) {
	if !cfg.SupplyChain.Enabled() {
		if len(o.reports) > 0 || o.offline || o.pullSecrets {
			return nil, usageError("--offline, --vuln-report and --pull-secrets need supplyChain.policies in the configuration (docs/supply-chain.md)")
		}
		return nil, nil
	}
	reports, err := registry.LoadReports(append(append([]string{}, cfg.SupplyChain.Reports...), o.reports...))
	if err != nil {
		return nil, usageError("%v", err)
	}
	v, err := registry.NewVerifier(&cfg.SupplyChain, reports, o.offline)
	if err != nil {
		return nil, usageError("%v", err)
	}
	return v, nil
}

// imageFacts returns the hook that fills an object's supply-chain facts
// before the engine sees it (nothing when v is nil).
func imageFacts(ctx context.Context, v *registry.Verifier, pull *registry.PullSecrets) func(*inventory.Object) {
	if v == nil {
		return func(*inventory.Object) {}
	}
	return func(obj *inventory.Object) {
		var kc registry.Keychain
		if w, ok := obj.Workload(); ok && pull != nil && len(w.Spec.ImagePullSecrets) > 0 {
			names := make([]string, 0, len(w.Spec.ImagePullSecrets))
			for _, s := range w.Spec.ImagePullSecrets {
				names = append(names, s.Name)
			}
			kc, _ = pull.Keychain(ctx, obj.Namespace, names) // unreadable: the configured credentials; a refusal is the image's error
		}
		v.Annotate(ctx, obj, kc)
	}
}

// webhookSupplyChain loads the policy's supply-chain configuration once at
// start (keys, CA files, docker configs, reports): a file that does not load
// stops the webhook with a usage error instead of denying every pod.
func webhookSupplyChain(o *webhookOptions, p *admit.Policy) error {
	if _, err := admit.NewSupplyChainVerifier(p); err != nil {
		return usageError("--config %s: supplyChain: %v", o.policyFile, err)
	}
	return nil
}

// manifestFacts is the hook of the manifest commands (scan manifests,
// harden plan, harden manifests); a no-op without a supply-chain policy.
func (o *supplyChainOptions) manifestFacts(cfg *config.Config) (func(*inventory.Object), error) {
	v, err := o.verifier(cfg)
	if err != nil {
		return func(*inventory.Object) {}, err
	}
	return imageFacts(context.Background(), v, nil), nil
}

// clusterVulnReports adds trivy-operator's VulnerabilityReports of the
// cluster to the verifier's scans (scan cluster only: they appear after
// pods run). A cluster without trivy-operator has none; a list the API
// server refuses is a notice (images without another scan still FAIL
// KW-SUP-003 where a scan is required).
func clusterVulnReports(ctx context.Context, g *globalOptions, c *kube.Client, v *registry.Verifier, namespace string) {
	if v == nil {
		return
	}
	dc, err := dynamic.NewForConfig(c.Config)
	if err == nil {
		var rs registry.Reports
		if rs, err = registry.ListVulnerabilityReports(ctx, dc, namespace); err == nil {
			v.AddReports(rs)
			return
		}
	}
	fmt.Fprintln(g.stderr, "kubeward: notice: trivy-operator's VulnerabilityReports not read: "+err.Error())
}
