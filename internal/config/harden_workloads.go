package config

// HardenWorkloads are the values the workload fixes of `kubeward harden`
// write (the user and group IDs, default resources, writable paths).
type HardenWorkloads struct{}
