// Command kubeward audits a Kubernetes platform against its security plan.
package main

import (
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/kubeward/kubeward/internal/cli"
)

func main() {
	// kubeward is a short-lived batch process: trade some heap for less GC
	// work unless the user tuned the collector, and keep a soft ceiling so
	// huge scans collect harder instead of growing without bound.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20)
	}
	// KUBEWARD_CPUPROFILE=FILE writes a CPU profile, for performance work.
	if path := os.Getenv("KUBEWARD_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			if err := pprof.StartCPUProfile(f); err == nil {
				code := cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
