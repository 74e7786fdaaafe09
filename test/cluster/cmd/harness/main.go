// Command harness starts and stops a real Kubernetes control plane for kubeward's
// end-to-end tests.
//
//	go run ./cmd/harness up --profile hardened --dir /tmp/kw-hardened   # detaches
//	go run ./cmd/harness status --dir /tmp/kw-hardened
//	go run ./cmd/harness down --dir /tmp/kw-hardened
//	go run ./cmd/harness up --profile insecure --dir /tmp/kw-insecure --foreground  # Ctrl-C stops
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/kubeward/kubeward/test/cluster/harness"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage:
  harness up --profile insecure|hardened --dir DIR [flags]
  harness down --dir DIR
  harness status --dir DIR
  harness missing [--bin-dir DIR]     list binaries not built yet

run "harness up -h" for the flags of up.
`)
	os.Exit(2)
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("harness: ")
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "up":
		up(os.Args[2:])
	case "down":
		fs := flag.NewFlagSet("down", flag.ExitOnError)
		dir := fs.String("dir", "", "directory given to up")
		_ = fs.Parse(os.Args[2:])
		if *dir == "" {
			log.Fatal("--dir is required")
		}
		if err := harness.Down(*dir, log.Printf); err != nil {
			log.Fatal(err)
		}
		log.Printf("stopped; files kept in %s", *dir)
	case "status":
		fs := flag.NewFlagSet("status", flag.ExitOnError)
		dir := fs.String("dir", "", "directory given to up")
		_ = fs.Parse(os.Args[2:])
		st, err := harness.ReadState(*dir)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("profile %s, apiserver %s, kubeconfig %s\n", st.Profile, st.APIServerURL, st.AdminKubeconfig)
		for _, p := range st.Processes {
			status := "stopped"
			if !p.Exited() {
				status = "running"
			}
			fmt.Printf("  %-24s pid %-7d %s  log %s\n", p.Name, p.Pid, status, p.Log)
		}
	case "missing":
		fs := flag.NewFlagSet("missing", flag.ExitOnError)
		bin := fs.String("bin-dir", harness.DefaultBinDir(), "binary cache")
		_ = fs.Parse(os.Args[2:])
		if m := harness.MissingBinaries(*bin, harness.AllBinaries...); len(m) > 0 {
			fmt.Println(m)
			os.Exit(1)
		}
	default:
		usage()
	}
}

func up(args []string) {
	fs := flag.NewFlagSet("up", flag.ExitOnError)
	profile := fs.String("profile", "", "insecure or hardened")
	dir := fs.String("dir", "", "directory for PKI, configs, data and logs (created; must be empty or from an earlier up)")
	binDir := fs.String("bin-dir", harness.DefaultBinDir(), "directory with etcd and the Kubernetes binaries")
	portBase := fs.Int("port-base", 0, "lay ports out from this base (default 20000 insecure, 20100 hardened)")
	standard := fs.Bool("standard-ports", false, "use the upstream default ports (2379, 6443, 10250, ...)")
	kubelet := fs.String("kubelet", "auto", "start a kubelet: auto (when the CRI socket exists), true, false")
	cri := fs.String("cri", harness.DefaultContainerRuntimeEndpoint, "container runtime endpoint for the kubelet")
	nodeName := fs.String("node-name", "", "node name (default localhost; must resolve to 127.0.0.1)")
	noProxy := fs.Bool("no-proxy", false, "do not start kube-proxy")
	noControllers := fs.Bool("no-controllers", false, "do not start kube-controller-manager and kube-scheduler")
	foreground := fs.Bool("foreground", false, "stay in the foreground and stop everything on SIGINT/SIGTERM")
	_ = fs.Parse(args)

	o := harness.Options{
		Profile: harness.Profile(*profile), Dir: *dir, BinDir: *binDir, NodeName: *nodeName,
		ContainerRuntimeEndpoint: *cri, SkipProxy: *noProxy, SkipControllers: *noControllers,
		Detach: !*foreground, Logf: log.Printf,
	}
	switch {
	case *standard:
		o.Ports = harness.StandardPorts()
	case *portBase != 0:
		o.Ports = harness.PortsFrom(*portBase)
	}
	switch *kubelet {
	case "auto":
		o.Kubelet = harness.ContainerRuntimeAvailable(*cri)
		if !o.Kubelet {
			log.Printf("no CRI socket at %s: not starting a kubelet", *cri)
		} else if pids := harness.RunningKubelets(); len(pids) > 0 {
			o.Kubelet = false
			log.Printf("a kubelet is already running (pid %v): not starting another one", pids)
		}
	case "true":
		o.Kubelet = true
	case "false":
	default:
		log.Fatalf("--kubelet must be auto, true or false")
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	c, err := harness.Up(ctx, o)
	if err != nil {
		log.Fatal(err)
	}
	st, _ := json.MarshalIndent(c.Options.Ports, "", "  ")
	log.Printf("%s control plane up: apiserver %s\n  export KUBECONFIG=%s\n  ports: %s", c.Options.Profile, c.APIServerURL(), c.AdminKubeconfig(), st)
	if !*foreground {
		log.Printf("detached; stop with: harness down --dir %s", c.Options.Dir)
		return
	}
	<-ctx.Done()
	if err := c.Stop(); err != nil {
		log.Fatal(err)
	}
}
