// Command kubeward audits a Kubernetes platform against its security plan.
package main

import (
	"os"

	"github.com/kubeward/kubeward/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
