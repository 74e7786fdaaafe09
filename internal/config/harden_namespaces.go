package config

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// HardenNamespaces are the values of the namespace layer `kubeward harden`
// generates (ResourceQuota, LimitRange, NetworkPolicies, Pod Security).
// Every field may be left out; the accessors return the plan's values. A
// map that is given replaces the default map whole (so a resource can be
// left out of the quota).
//
//	harden:
//	  namespaces:
//	    quota: {pods: "500", requests.cpu: "100", requests.memory: 500Gi,
//	            limits.cpu: "200", limits.memory: 2000Gi, services: "100",
//	            persistentvolumeclaims: "100", requests.storage: 2Ti}
//	    limitDefault: {cpu: "1", memory: 512Mi}
//	    limitDefaultRequest: {cpu: 100m, memory: 128Mi}
//	    headroomPercent: 50          # harden cluster: quota = usage + 50%
//	    dnsNamespace: kube-system    # where the cluster DNS runs
//	    dnsPodLabels: {k8s-app: kube-dns}
//	    serviceClients: [frontends]  # namespaces allowed to reach every Service's ports
type HardenNamespaces struct {
	Quota               map[string]string `yaml:"quota"`
	LimitDefault        map[string]string `yaml:"limitDefault"`
	LimitDefaultRequest map[string]string `yaml:"limitDefaultRequest"`
	// HeadroomPercent is added to current usage when `harden cluster`
	// sizes a quota (0 means the default, 50).
	HeadroomPercent int               `yaml:"headroomPercent"`
	DNSNamespace    string            `yaml:"dnsNamespace"`
	DNSPodLabels    map[string]string `yaml:"dnsPodLabels"`
	// ServiceClients are namespaces whose pods may reach the ports of
	// every Service (besides the Service's own namespace).
	ServiceClients []string `yaml:"serviceClients"`
}

// QuotaHard is the ResourceQuota's hard limits: the plan's pods, cpu and
// memory values, plus services, PVCs and storage so the quota bounds every
// resource KW-CL-030 asks for.
func (h HardenNamespaces) QuotaHard() map[string]string {
	return orDefault(h.Quota, map[string]string{
		"pods": "500", "requests.cpu": "100", "requests.memory": "500Gi", "limits.cpu": "200", "limits.memory": "2000Gi",
		"services": "100", "persistentvolumeclaims": "100", "requests.storage": "2Ti",
	})
}

// LimitRangeDefault is the LimitRange's default limits per container.
func (h HardenNamespaces) LimitRangeDefault() map[string]string {
	return orDefault(h.LimitDefault, map[string]string{"cpu": "1", "memory": "512Mi"})
}

// LimitRangeDefaultRequest is the LimitRange's default requests per container.
func (h HardenNamespaces) LimitRangeDefaultRequest() map[string]string {
	return orDefault(h.LimitDefaultRequest, map[string]string{"cpu": "100m", "memory": "128Mi"})
}

// Headroom is the percentage added to usage when sizing a quota from a cluster.
func (h HardenNamespaces) Headroom() int {
	if h.HeadroomPercent == 0 {
		return 50
	}
	return h.HeadroomPercent
}

// DNS is where the cluster DNS runs: its namespace and its pods' labels.
func (h HardenNamespaces) DNS() (namespace string, podLabels map[string]string) {
	namespace = h.DNSNamespace
	if namespace == "" {
		namespace = "kube-system"
	}
	return namespace, orDefault(h.DNSPodLabels, map[string]string{"k8s-app": "kube-dns"})
}

// quotaKeys are the ResourceQuota keys the generator knows how to size.
var quotaKeys = map[string]bool{
	"pods": true, "requests.cpu": true, "requests.memory": true, "limits.cpu": true, "limits.memory": true,
	"cpu": true, "memory": true, "services": true, "persistentvolumeclaims": true, "requests.storage": true,
	"requests.ephemeral-storage": true, "limits.ephemeral-storage": true, "configmaps": true, "secrets": true,
	"replicationcontrollers": true, "resourcequotas": true, "services.loadbalancers": true, "services.nodeports": true,
}

// validate refuses values the API server would reject or the generator
// cannot write.
func (h HardenNamespaces) validate() error {
	for _, k := range nsSortedKeys(h.Quota) {
		if !quotaKeys[k] && !strings.HasPrefix(k, "count/") {
			return fmt.Errorf("harden.namespaces.quota: unknown resource %q", k)
		}
		q, err := resource.ParseQuantity(h.Quota[k])
		if err != nil || q.Sign() < 0 {
			return fmt.Errorf("harden.namespaces.quota.%s: %q is not a non-negative quantity", k, h.Quota[k])
		}
	}
	for name, m := range map[string]map[string]string{"limitDefault": h.LimitDefault, "limitDefaultRequest": h.LimitDefaultRequest} {
		for _, k := range nsSortedKeys(m) {
			if k != "cpu" && k != "memory" && k != "ephemeral-storage" {
				return fmt.Errorf("harden.namespaces.%s: unknown resource %q (cpu, memory, ephemeral-storage)", name, k)
			}
			q, err := resource.ParseQuantity(m[k])
			if err != nil || q.Sign() <= 0 {
				return fmt.Errorf("harden.namespaces.%s.%s: %q is not a positive quantity", name, k, m[k])
			}
		}
	}
	def, req := h.LimitRangeDefault(), h.LimitRangeDefaultRequest()
	for _, k := range nsSortedKeys(req) {
		lim, ok := def[k]
		if !ok {
			continue
		}
		r, l := resource.MustParse(req[k]), resource.MustParse(lim)
		if r.Cmp(l) > 0 {
			return fmt.Errorf("harden.namespaces: limitDefaultRequest.%s %s is above limitDefault.%s %s (the API server rejects such a LimitRange)", k, req[k], k, lim)
		}
	}
	if h.HeadroomPercent < 0 || h.HeadroomPercent > 1000 {
		return fmt.Errorf("harden.namespaces.headroomPercent: %d is not between 0 and 1000", h.HeadroomPercent)
	}
	if h.DNSNamespace != "" {
		if errs := validation.IsDNS1123Label(h.DNSNamespace); len(errs) > 0 {
			return fmt.Errorf("harden.namespaces.dnsNamespace: %q: %s", h.DNSNamespace, errs[0])
		}
	}
	for _, k := range nsSortedKeys(h.DNSPodLabels) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Errorf("harden.namespaces.dnsPodLabels: key %q: %s", k, errs[0])
		}
		if errs := validation.IsValidLabelValue(h.DNSPodLabels[k]); len(errs) > 0 {
			return fmt.Errorf("harden.namespaces.dnsPodLabels.%s: value %q: %s", k, h.DNSPodLabels[k], errs[0])
		}
	}
	for _, n := range h.ServiceClients {
		if errs := validation.IsDNS1123Label(n); len(errs) > 0 {
			return fmt.Errorf("harden.namespaces.serviceClients: %q: %s", n, errs[0])
		}
	}
	return nil
}

func nsSortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
