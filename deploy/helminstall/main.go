// Command helminstall installs (or upgrades) deploy/chart/kubeward through
// the Helm SDK, as `helm upgrade --install` would, for the end-to-end test
// and for clusters without a helm binary:
//
//	go run ./deploy/helminstall --kubeconfig admin.conf --set image.repository=kubeward.local/kubeward --set image.tag=e2e
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/kube"
	"helm.sh/helm/v4/pkg/storage/driver"
	"helm.sh/helm/v4/pkg/strvals"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/yaml"
)

// merge sets src's values into dst, map by map.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, ",") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "helminstall:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	fl := flag.NewFlagSet("helminstall", flag.ContinueOnError)
	kubeconfig := fl.String("kubeconfig", "", "kubeconfig file")
	namespace := fl.String("namespace", "default", "release namespace")
	release := fl.String("release", "kubeward", "release name")
	chartDir := fl.String("chart", "deploy/chart/kubeward", "chart directory")
	timeout := fl.Duration("timeout", 2*time.Minute, "bound on the install")
	var sets, files setFlags
	fl.Var(&sets, "set", "KEY=VALUE (helm --set syntax; repeatable)")
	fl.Var(&files, "values", "values YAML file, applied before --set (repeatable)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	vals := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var v map[string]any
		if err := yaml.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("--values %s: %w", f, err)
		}
		merge(vals, v)
	}
	for _, s := range sets {
		if err := strvals.ParseInto(s, vals); err != nil {
			return fmt.Errorf("--set %s: %w", s, err)
		}
	}
	ch, err := loader.LoadDir(*chartDir)
	if err != nil {
		return fmt.Errorf("chart %s: %w", *chartDir, err)
	}
	flags := genericclioptions.NewConfigFlags(false)
	flags.KubeConfig, flags.Namespace = kubeconfig, namespace
	cfg := action.NewConfiguration()
	if err := cfg.Init(flags, *namespace, "secret"); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	hist := action.NewHistory(cfg)
	hist.Max = 1
	if _, err := hist.Run(*release); errors.Is(err, driver.ErrReleaseNotFound) {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace, in.Timeout = *release, *namespace, *timeout
		in.WaitStrategy = kube.HookOnlyStrategy
		in.ServerSideApply = true
		if _, err := in.RunWithContext(ctx, ch, vals); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		fmt.Printf("installed %s from %s into %s\n", *release, *chartDir, *namespace)
		return nil
	} else if err != nil {
		return err
	}
	up := action.NewUpgrade(cfg)
	up.Namespace, up.Timeout, up.WaitStrategy, up.ServerSideApply = *namespace, *timeout, kube.HookOnlyStrategy, "true"
	if _, err := up.RunWithContext(ctx, *release, ch, vals); err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	fmt.Printf("upgraded %s from %s in %s\n", *release, *chartDir, *namespace)
	return nil
}
