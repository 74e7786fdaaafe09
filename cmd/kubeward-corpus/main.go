// Command kubeward-corpus writes a generated manifest corpus of about N
// objects to standard output, for scripts/bench.sh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kubeward/kubeward/internal/benchgen"
)

func main() {
	n := flag.Int("objects", 10000, "number of objects")
	failing := flag.Bool("failing", false, "every object an insecure Deployment with 8+ FAILs (report memory benchmark)")
	flag.Parse()
	write := benchgen.Write
	if *failing {
		write = benchgen.WriteFailing
	}
	if err := write(os.Stdout, *n); err != nil {
		fmt.Fprintln(os.Stderr, "kubeward-corpus:", err)
		os.Exit(1)
	}
}
