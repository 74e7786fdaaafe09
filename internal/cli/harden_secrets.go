package cli

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/check/secrets"
	hsecrets "github.com/kubeward/kubeward/internal/harden/secrets"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

func init() {
	hardenSubcommands = append(hardenSubcommands, newHardenSecretsCommand)
}

type hardenSecretsOptions struct {
	manifestOptions
	outDir   string
	release  string
	sealCert string
}

func newHardenSecretsCommand(g *globalOptions) *cobra.Command {
	o := &hardenSecretsOptions{}
	cmd := &cobra.Command{
		Use:   "secrets [PATH...] [-f FILE]...",
		Short: "Move the Secrets found in YAML to Vault (ExternalSecret + SecretStore), and chart passwords to the helm command line",
		Long: `harden secrets does what the plan asks of passwords (item 4.11).

For each Secret whose values sit in the scanned YAML it writes an
ExternalSecret that recreates it from Vault, at the path harden.secrets in
the configuration names ({namespace}/{name} under the KV mount by default),
with one SecretStore per namespace that logs in to Vault with its Kubernetes
auth method, and the Vault commands for a person (the role, and the kv put
of each Secret's keys, its values read from files).

For each Helm chart value with a literal default in a values file
(KW-SEC-006) it empties the default in a copy of the values file and gives
the helm upgrade --install command that sets the value from a file
(--set-file), with a random value generated into that file, mode 0600.

No secret value is ever printed. It reads the inputs only: without --out it
prints the ExternalSecrets and the plan; with --out DIR it writes them there
(an existing file that differs is kept as FILE.orig), and the value files
under DIR/secret-values/ (an existing value file is kept, never replaced).
With --seal-cert FILE (the controller's certificate, as kubeseal --fetch-cert
prints it) it also seals each Secret into a SealedSecret, strict scope, in
kubeseal's format: an alternative to the ExternalSecret, for clusters without
Vault. Only the encrypted values are written.`,
		Example: `  kubeward harden secrets deploy/
  kubeward harden secrets ./charts/app --out hardened/ --config kubeward.yaml`,
		Args: cobra.ArbitraryArgs,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			g.output = "text"
			return o.validate(g, args)
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return runHardenSecrets(g, o) },
	}
	addManifestInputFlags(cmd, &o.manifestOptions, g)
	f := cmd.Flags()
	f.StringVar(&o.outDir, "out", "", "write the ExternalSecrets, the changed values files and the random value files to this directory")
	f.StringVar(&o.release, "release", "", "Helm release name in the helm command (default: the chart's name)")
	f.StringVar(&o.sealCert, "seal-cert", "", "also seal each Secret into a SealedSecret with the Sealed Secrets controller's certificate (kubeseal --fetch-cert)")
	return markWork(cmd)
}

func runHardenSecrets(g *globalOptions, o *hardenSecretsOptions) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	objs, stats, _ := loadForHarden(g, &o.manifestOptions)
	if len(stats.Errors) > 0 {
		for _, e := range stats.Errors {
			fmt.Fprintln(g.stderr, "kubeward: "+e.Error())
		}
		return &exitError{code: ExitUsage, err: errors.New(layerText(g, "harden secrets: some inputs could not be read; nothing written", "harden secrets：部分输入无法读取；未写入任何内容"))}
	}
	if len(objs) == 0 {
		return &exitError{code: ExitUsage, err: errors.New(emptyManifests(o.paths, stats))}
	}
	var sealKey *rsa.PublicKey
	if o.sealCert != "" {
		data, err := manifest.ReadValuesFile(o.sealCert)
		if err != nil {
			return usageError("--seal-cert %s: %v", o.sealCert, unwrapPath(err))
		}
		if sealKey, err = hsecrets.SealingKey(data); err != nil {
			return usageError("--seal-cert %s: %v", o.sealCert, err)
		}
	}
	found, values, charts := secretsToMove(objs)
	if len(found) == 0 && len(charts) == 0 {
		fmt.Fprintln(g.stdout, layerText(g, "harden secrets: no Secret with values in the YAML and no chart password with a literal default; nothing to do",
			"harden secrets：YAML 中没有带值的 Secret，也没有带明文默认值的 Chart 密码；无需处理"))
		return nil
	}
	for _, ns := range hsecrets.Generate(found, cfg.Harden.Secrets) {
		data, err := hsecrets.Render(ns, g.lang)
		if err != nil {
			return fmt.Errorf("harden secrets: %w", err)
		}
		if o.outDir == "" {
			fmt.Fprint(g.stdout, string(data))
			continue
		}
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return fmt.Errorf("harden secrets: %w", err)
		}
		file := filepath.Join(o.outDir, "externalsecrets-"+ns.Name+".yaml")
		state, backup, err := writeKeeping(file, data)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, layerText(g, "%s: %s (%d Secret(s) of namespace %s from Vault)", "%s：%s（命名空间 %s 的 %d 个 Secret 改由 Vault 提供）")+"%s\n",
			file, state, len(ns.Secrets), ns.Name, backupNote(g, backup))
	}
	if sealKey != nil {
		if err := sealSecrets(g, o, found, values, sealKey); err != nil {
			return err
		}
	}
	return chartFixes(g, o, charts)
}

// sealSecrets writes one SealedSecret file per namespace.
func sealSecrets(g *globalOptions, o *hardenSecretsOptions, found []hsecrets.Secret, values map[string]map[string][]byte, key *rsa.PublicKey) error {
	byNS := map[string][]any{}
	var order []string
	for _, s := range found {
		obj, err := hsecrets.SealedSecret(s, values[s.Namespace+"/"+s.Name], key)
		if err != nil {
			return fmt.Errorf("harden secrets: %w", err)
		}
		if byNS[s.Namespace] == nil {
			order = append(order, s.Namespace)
		}
		byNS[s.Namespace] = append(byNS[s.Namespace], obj)
	}
	sort.Strings(order)
	for _, ns := range order {
		data, err := hsecrets.RenderSealed(byNS[ns], g.lang)
		if err != nil {
			return fmt.Errorf("harden secrets: %w", err)
		}
		if o.outDir == "" {
			fmt.Fprint(g.stdout, string(data))
			continue
		}
		file := filepath.Join(o.outDir, "sealedsecrets-"+ns+".yaml")
		state, backup, err := writeKeeping(file, data)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, layerText(g, "%s: %s (%d SealedSecret(s) of namespace %s)", "%s：%s（命名空间 %s 的 %d 个 SealedSecret）")+"%s\n",
			file, state, len(byNS[ns]), ns, backupNote(g, backup))
	}
	return nil
}

func backupNote(g *globalOptions, backup string) string {
	if backup == "" {
		return ""
	}
	return fmt.Sprintf(layerText(g, "; the previous file kept as %s", "；原文件保存为 %s"), backup)
}

// secretsToMove lists the Secrets whose values sit in files (not those a
// chart renders: its values are the chart's fixes; not those an
// ExternalSecret or SealedSecret of the inputs makes) and the chart values
// with a literal default.
func secretsToMove(objs []*inventory.Object) ([]hsecrets.Secret, map[string]map[string][]byte, []*inventory.Object) {
	fromStore := map[string]bool{}
	for _, o := range objs {
		switch t := o.Typed.(type) {
		case *inventory.ExternalSecret:
			fromStore[o.Namespace+"/"+t.TargetName()] = true
		case *inventory.SealedSecret:
			fromStore[o.Namespace+"/"+t.TargetName()] = true
		}
	}
	var out []hsecrets.Secret
	values := map[string]map[string][]byte{}
	var charts []*inventory.Object
	for _, o := range objs {
		switch t := o.Typed.(type) {
		case *inventory.ChartValue:
			if t.Source == inventory.ChartValueLiteral {
				charts = append(charts, o)
			}
		case *corev1.Secret:
			if strings.HasPrefix(o.Origin, "helm template ") || fromStore[o.Namespace+"/"+o.Name] || t.Type == corev1.SecretTypeServiceAccountToken {
				continue
			}
			owned := false
			for _, r := range t.OwnerReferences {
				owned = owned || r.Kind == "ExternalSecret" || r.Kind == "SealedSecret"
			}
			var keys []string
			for k, v := range t.Data {
				if len(v) > 0 {
					keys = append(keys, k)
				}
			}
			for k, v := range t.StringData {
				if v != "" && t.Data[k] == nil {
					keys = append(keys, k)
				}
			}
			if owned || len(keys) == 0 {
				continue
			}
			sort.Strings(keys)
			v := map[string][]byte{}
			for _, k := range keys {
				// stringData wins over data, as the API server merges them.
				if sd := t.StringData[k]; sd != "" {
					v[k] = []byte(sd)
				} else {
					v[k] = t.Data[k]
				}
			}
			values[o.Namespace+"/"+o.Name] = v
			out = append(out, hsecrets.Secret{Namespace: o.Namespace, Name: o.Name, Type: string(t.Type), Keys: keys, Labels: t.Labels, File: o.File, Line: o.Line})
		}
	}
	return out, values, charts
}

// chartFixes writes, per chart, the values files with their literal
// defaults emptied and the random value files, and prints the helm command.
func chartFixes(g *globalOptions, o *hardenSecretsOptions, charts []*inventory.Object) error {
	type chartPlan struct {
		name, dir string
		values    map[string][]*inventory.ChartValue // by values file
		files     map[string]string                  // key -> value file
		copies    map[string]string                  // values file -> its changed copy
	}
	plans := map[string]*chartPlan{}
	var order []string
	for _, obj := range charts {
		cv := obj.Typed.(*inventory.ChartValue)
		dir := strings.TrimPrefix(obj.Origin, "helm template ")
		p := plans[dir]
		if p == nil {
			p = &chartPlan{name: cv.Chart, dir: dir, values: map[string][]*inventory.ChartValue{}, files: map[string]string{}, copies: map[string]string{}}
			plans[dir] = p
			order = append(order, dir)
		}
		p.values[cv.ValuesFile] = append(p.values[cv.ValuesFile], cv)
	}
	sort.Strings(order)
	var problems []string
	for _, dir := range order {
		p := plans[dir]
		files := make([]string, 0, len(p.values))
		for f := range p.values {
			files = append(files, f)
		}
		sort.Strings(files)
		for _, vf := range files {
			cvs := p.values[vf]
			sort.Slice(cvs, func(i, j int) bool { return cvs[i].Line < cvs[j].Line })
			for _, cv := range cvs {
				fmt.Fprintf(g.stdout, layerText(g, "%s:%d: chart %s: %s has a literal default (%s); leave it empty and give it at install time (%s)\n",
					"%s:%d：Chart %s：%s 有明文默认值（%s）；请留空并在安装时提供（%s）\n"),
					vf, cv.Line, cv.Chart, cv.Key, secrets.Redact(strings.Repeat("x", cv.Length)), secrets.ChartDefault)
			}
			if o.outDir == "" {
				continue
			}
			data, err := manifest.ReadValuesFile(vf)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", vf, unwrapPath(err)))
				continue
			}
			for _, cv := range cvs {
				out, err := hsecrets.EmptyDefault(data, cv.Key, cv.Line)
				if err != nil {
					problems = append(problems, fmt.Sprintf("%s: %v", vf, err))
					continue
				}
				data = out
			}
			dest := filepath.Join(o.outDir, "charts", p.name, filepath.Base(vf))
			if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
				return fmt.Errorf("harden secrets: %w", err)
			}
			state, backup, err := writeKeeping(dest, data)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, layerText(g, "%s: %s (%s with the literal defaults emptied)%s\n", "%s：%s（%s，明文默认值已清空）%s\n"), dest, state, vf, backupNote(g, backup))
			p.copies[vf] = dest
		}
		release := o.release
		if release == "" {
			release = p.name
		}
		if o.outDir == "" {
			fmt.Fprintln(g.stdout, layerText(g, "  run with --out DIR to write the changed values file, a random value file per key (mode 0600) and the helm command",
				"  使用 --out DIR 写出修改后的 values 文件、每个键的随机值文件（权限 0600）以及 helm 命令"))
			continue
		}
		var valueFiles []string
		for _, vf := range o.valueFiles {
			if c, ok := p.copies[vf]; ok {
				vf = c
			}
			valueFiles = append(valueFiles, vf)
		}
		for _, vf := range files {
			for _, cv := range p.values[vf] {
				file := filepath.Join(o.outDir, "secret-values", p.name, cv.Key)
				wrote, err := hsecrets.WriteValueFile(file)
				if err != nil {
					return fmt.Errorf("harden secrets: %w", err)
				}
				state := layerText(g, "kept", "保留")
				if wrote {
					state = layerText(g, "a random value written, mode 0600", "已写入随机值，权限 0600")
				}
				fmt.Fprintf(g.stdout, "%s: %s\n", file, state)
				p.files[cv.Key] = file
			}
		}
		fmt.Fprintln(g.stdout, hsecrets.HelmCommand(release, p.dir, o.namespace, valueFiles, p.files))
	}
	if len(problems) > 0 {
		for _, pr := range problems {
			fmt.Fprintln(g.stderr, "kubeward: "+pr)
		}
		return &exitError{code: ExitUsage, err: errors.New(layerText(g, "harden secrets: some chart values could not be changed", "harden secrets：部分 Chart 值无法修改"))}
	}
	return nil
}
