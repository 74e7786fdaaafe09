package config

// HardenNamespaces are the values of the namespace layer `kubeward harden`
// generates (ResourceQuota, LimitRange, NetworkPolicies, Pod Security).
type HardenNamespaces struct{}
