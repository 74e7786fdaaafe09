// Package all registers every check package with the catalogue and engine.
package all

import (
	// Each package registers its checks in init.
	_ "github.com/kubeward/kubeward/internal/check/cluster"
	_ "github.com/kubeward/kubeward/internal/check/controlplane"
	_ "github.com/kubeward/kubeward/internal/check/hostsec"
	_ "github.com/kubeward/kubeward/internal/check/namespace"
	_ "github.com/kubeward/kubeward/internal/check/pss"
	_ "github.com/kubeward/kubeward/internal/check/rbac"
	_ "github.com/kubeward/kubeward/internal/check/runtime"
	_ "github.com/kubeward/kubeward/internal/check/secrets"
	_ "github.com/kubeward/kubeward/internal/check/supplychain"
	_ "github.com/kubeward/kubeward/internal/check/workload"
)
