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
	flag.Parse()
	if err := benchgen.Write(os.Stdout, *n); err != nil {
		fmt.Fprintln(os.Stderr, "kubeward-corpus:", err)
		os.Exit(1)
	}
}
