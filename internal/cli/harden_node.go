package cli

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
	nodefix "github.com/kubeward/kubeward/internal/harden/node"
	"github.com/kubeward/kubeward/internal/harden/node/apiconfig"
	"github.com/kubeward/kubeward/internal/harden/node/hostfix"
	"github.com/kubeward/kubeward/internal/harden/node/pki"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
	nodesrc "github.com/kubeward/kubeward/internal/source/node"
)

func init() {
	hardenSubcommands = append(hardenSubcommands, newHardenNodeCommand)
}

type hardenNodeOptions struct {
	root, out, generatePKI, pkiDir, kubeconfigDir, configDir, server string
	auditLog, encryption, nodeName, permitRoot                       string
	allowFrom, only                                                  []string
	apply, force, dryRun                                             bool
	undo                                                             string
}

func newHardenNodeCommand(g *globalOptions) *cobra.Command {
	o := &hardenNodeOptions{}
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Write the fixes for this node's control plane, kubelet and PKI to --out",
		Long: `harden node reads the node as "scan node" does (--root / on the node itself,
a mounted host, or a snapshot), runs the node checks, and writes to --out the
changes that fix what fails, each file listed with the check IDs it fixes:

  patches/<component>+strategic.yaml      kubeadm --patches for the static pods
  patches/kubeletconfiguration+strategic.yaml
  systemd/<unit>.d/50-kubeward.conf       for components run by systemd
  encryption-config.yaml, audit-policy.yaml, audit-webhook.kubeconfig
  plan.json                               every component's new command line

Which flags to set comes from the checks themselves. When a certificate
check fails anywhere, every component is pointed at one PKI in kubeadm's
layout (--pki-dir); --generate-pki DIR issues it there, from the CA already in
DIR or a new one, never replacing a key. Nothing on the node is changed.`,
		Example: `  sudo kubeward harden node --out /tmp/kw-fixes
  kubeward harden node --root /host --out ./fixes --lang zh
  sudo kubeward harden node --out ./fixes --generate-pki /etc/kubernetes/pki`,
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			if err := validateLang(g.lang); err != nil {
				return err
			}
			if o.undo != "" {
				return nil
			}
			if o.out == "" {
				return usageError("--out: required (a new or empty directory for the generated files)")
			}
			if o.apply && o.root != "/" {
				return usageError("--apply: only with --root / on the node itself (--root is %s)", o.root)
			}
			if o.root == "" {
				return usageError("--root: must not be empty (/ is the machine kubeward runs on)")
			}
			if _, err := apiconfig.ParseProvider(o.encryption); err != nil {
				return usageError("--encryption: %v", err)
			}
			for _, part := range o.only {
				switch part {
				case nodefix.PartControlPlane, nodefix.PartRuntime, nodefix.PartHost:
				default:
					return usageError("--only %q: want control-plane, runtime or host", part)
				}
			}
			if _, err := hostfix.ParseAllowFrom(o.allowFrom); err != nil {
				return usageError("%v", err)
			}
			if _, err := hostfix.SSHDDropIn(o.permitRoot); err != nil {
				return usageError("--permit-root-login: %v", err)
			}
			if o.server != "" && !strings.HasPrefix(o.server, "https://") {
				return usageError("--server %s: must be an https:// URL", o.server)
			}
			_, err := g.loadConfig()
			return err
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.undo != "" {
				return runNodeUndo(g, o.undo, o.force, o.dryRun)
			}
			return runHardenNode(cmd, g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&g.configFile, "config", "", "configuration file (harden.nodes.allowFrom, exceptions)")
	f.StringVar(&g.lang, "lang", defaultLang(), "language of the plan: en or zh (KUBEWARD_LANG or the locale sets the default)")
	f.StringVar(&o.root, "root", "/", "host filesystem to read: a mounted host, an unpacked snapshot, or a snapshot .tar.gz")
	f.StringVar(&o.out, "out", "", "directory to write the generated files to (required; existing files are never replaced)")
	f.StringVar(&o.generatePKI, "generate-pki", "", "issue the PKI the plan needs into DIR (from the CA in DIR, or a new one); implies --pki-dir DIR")
	f.StringVar(&o.pkiDir, "pki-dir", "/etc/kubernetes/pki", "where the certificates live on the node (kubeadm layout)")
	f.StringVar(&o.kubeconfigDir, "kubeconfig-dir", "/etc/kubernetes", "where the components' kubeconfigs live on the node (with --generate-pki DIR: DIR/kubeconfig)")
	f.StringVar(&o.configDir, "config-dir", "", "where the generated encryption and audit files will live on the node (default: --out)")
	f.StringVar(&o.server, "server", "", "API server URL for the generated kubeconfigs (default: the API server found on the node)")
	f.StringVar(&o.auditLog, "audit-log-path", "/var/log/kubernetes/audit/audit.log", "the API server's audit log file")
	f.StringVar(&o.encryption, "encryption", "secretbox", "encryption provider for Secrets: secretbox or aescbc")
	f.StringSliceVar(&o.allowFrom, "allow-from", nil, "networks (CIDRs or addresses) that may reach the Kubernetes ports, added to harden.nodes.allowFrom; without any, no firewall rules are written")
	f.StringVar(&o.permitRoot, "permit-root-login", "prohibit-password", "PermitRootLogin in the sshd drop-in: prohibit-password or no")
	f.StringSliceVar(&o.only, "only", nil, "limit the plan to some parts: control-plane (components, PKI, encryption, audit, file modes, Calico), runtime (Docker, containerd), host (sshd, firewall)")
	f.BoolVar(&o.apply, "apply", false, "also write the fixes on this node (--root / only): static pod manifests, the kubelet's config, drop-ins, daemon.json, file modes; shows each diff, keeps backups and writes an undo record to --out")
	f.StringVar(&o.undo, "undo", "", "undo a `harden node --apply` from its record (also: kubeward harden undo RECORD)")
	f.BoolVar(&o.force, "force", false, "with --undo: also revert files changed since kubeward wrote them")
	f.BoolVar(&o.dryRun, "dry-run", false, "with --undo: show what would be reverted and change nothing")
	f.StringVar(&o.nodeName, "node-name", "", "the node's name for its certificates (default: the kubelet's --hostname-override, else the hostname)")
	return markWork(cmd)
}

func runHardenNode(cmd *cobra.Command, g *globalOptions, o *hardenNodeOptions) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	root := o.root
	if strings.HasSuffix(root, ".tar.gz") || strings.HasSuffix(root, ".tgz") {
		dir, remove, err := unpackSnapshot(root)
		if err != nil {
			return err
		}
		defer remove()
		root = dir
	}
	fs := &host.FS{Root: root}
	if _, err := fs.Stat("/proc"); err != nil {
		return usageError("--root %s: no proc directory to read processes from: %v", root, err)
	}
	n, err := nodesrc.Load(fs)
	if err != nil {
		return usageError("--root %s: %v", root, err)
	}
	if n == nil {
		n = nodesrc.Read(fs)
	}
	if len(n.Components) == 0 {
		return usageError("%v", errNoComponents(root))
	}
	out, err := filepath.Abs(o.out)
	if err != nil {
		return usageError("--out %s: %v", o.out, err)
	}
	layout := pki.Layout{Dir: o.pkiDir, KubeconfigDir: o.kubeconfigDir, Server: o.server}
	if o.generatePKI != "" {
		if layout.Dir, err = filepath.Abs(o.generatePKI); err != nil {
			return usageError("--generate-pki %s: %v", o.generatePKI, err)
		}
		if !cmd.Flags().Changed("kubeconfig-dir") {
			layout.KubeconfigDir = filepath.Join(layout.Dir, "kubeconfig")
		}
	}
	configDir := o.configDir
	if configDir == "" {
		configDir = out
	}
	hostInfo := nodeHost(n, o.nodeName, fs)
	if layout.Server == "" {
		layout.Server = apiServerURL(n)
	}
	provider, _ := apiconfig.ParseProvider(o.encryption)
	only := map[string]bool{}
	for _, part := range o.only {
		only[part] = true
	}
	env := &check.Env{Config: cfg, Now: nowFunc()}
	allow, err := hostfix.ParseAllowFrom(append(append([]string(nil), cfg.Harden.Nodes.AllowFrom...), o.allowFrom...))
	if err != nil {
		return usageError("%v", err)
	}
	fw := &hostfix.Firewall{Allow: allow}
	if src := hostfix.SSHSource(os.Getenv("SSH_CONNECTION")); src != nil && fs.Live() {
		fw.KeepSources = append(fw.KeepSources, src) // never lock out this session
	}
	plan, err := nodefix.Make(n, nodefix.Options{Layout: layout, ConfigDir: configDir, AuditLogPath: o.auditLog, Encryption: provider, Env: env,
		ReadFile: fs.ReadFile, Firewall: fw, PermitRootLogin: o.permitRoot, OutDir: out, Only: only})
	if err != nil {
		return fmt.Errorf("planning: %w", err)
	}
	certs := pki.Certs(hostInfo)
	if plan.PKI {
		plan.Certificates = pki.Inspect(layout, certs, env.Now)
		if o.generatePKI == "" {
			plan.Steps = append(plan.Steps, textf(
				"Issue the certificates listed above into %s (kubeward harden node --generate-pki %s, or your own PKI) before restarting the components.",
				"在重启组件前，将上述证书签发到 %s（kubeward harden node --generate-pki %s，或使用贵方 PKI）。", layout.Dir, layout.Dir))
		}
	}
	if err := plan.Render(); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return usageError("--out %s: %v", out, err)
	}
	if err := plan.Write(out); err != nil {
		return usageError("%v", err)
	}
	if err := validateSSHD(plan, fs, out, g.stderr); err != nil {
		return err
	}
	w := g.stdout
	if g.lang == "zh" {
		fmt.Fprintf(w, "已写入 %s（节点上的文件均未改动）\n", out)
	} else {
		fmt.Fprintf(w, "Wrote %s (nothing on the node was changed)\n", out)
	}
	plan.Print(w, g.lang)
	if plan.PKI && o.generatePKI != "" {
		if layout.Server == "" {
			return usageError("--generate-pki: no API server on this node to name in the kubeconfigs; give --server https://HOST:PORT")
		}
		if g.lang == "zh" {
			fmt.Fprintf(w, "生成的 PKI（%s）：\n", layout.Dir)
		} else {
			fmt.Fprintf(w, "Generated PKI (%s):\n", layout.Dir)
		}
		written, err := pki.Generate(layout, certs, pki.Kubeconfigs(), env.Now)
		for _, x := range written {
			fmt.Fprintf(w, "  %s: %s\n", x.Path, x.Action)
		}
		if err != nil {
			return fmt.Errorf("--generate-pki %s: %w", layout.Dir, err)
		}
	}
	if o.apply {
		return applyNodePlan(g, plan, fs, out, env.Now)
	}
	return nil
}

// applyNodePlan writes the plan's changes on this node: each diff first,
// each file backed up, every step in the undo record before it is made.
func applyNodePlan(g *globalOptions, plan *nodefix.Plan, fs *host.FS, out string, now time.Time) error {
	changes, err := plan.Changes(fs.ReadFile)
	if err != nil {
		return fmt.Errorf("--apply: %w", err)
	}
	if len(changes) == 0 && len(plan.FileFixes) == 0 {
		fmt.Fprintln(g.stdout, layerText(g, "--apply: nothing to change on this node", "--apply：此节点无需更改"))
		return nil
	}
	for _, c := range changes {
		cur, err := os.ReadFile(c.Path)
		fmt.Fprint(g.stdout, nodefix.Diff(c, cur, err == nil))
	}
	file := filepath.Join(out, fmt.Sprintf("undo-%s.json", now.UTC().Format("20060102T150405Z")))
	rec := &nodefix.Record{Kind: nodefix.RecordKind, Version: nodefix.RecordVersion, Host: fs.Hostname(), Time: now.UTC()}
	save := func(r *nodefix.Record) error { return nodefix.SaveRecord(file, r) }
	if err := save(rec); err != nil {
		return fmt.Errorf("--apply: undo record: %w", err)
	}
	if err := nodefix.Apply(changes, plan.FileFixes, rec, now, save); err != nil {
		return fmt.Errorf("--apply: %w (what was done is in %s: kubeward harden undo %s)", err, file, file)
	}
	fmt.Fprintf(g.stdout, layerText(g, "Applied %d files and %d mode changes; undo: kubeward harden undo %s\n", "已应用 %d 个文件与 %d 项权限修改；撤销：kubeward harden undo %s\n"), len(changes), len(plan.FileFixes), file)
	for _, cp := range plan.Components {
		switch cp.Source {
		case "static pod":
			fmt.Fprintf(g.stdout, layerText(g, "  %s: the kubelet restarts the static pod from %s\n", "  %s：kubelet 将根据 %s 重启静态 Pod\n"), cp.Kind, cp.SourceFile)
		case "systemd unit":
			fmt.Fprintf(g.stdout, layerText(g, "  %s: systemctl daemon-reload && systemctl restart %s (not run)\n", "  %s：systemctl daemon-reload && systemctl restart %s（未执行）\n"), cp.Kind, cpUnit(cp))
		default:
			fmt.Fprintf(g.stdout, layerText(g, "  %s (pid %d): restart it with the command line in plan.json (kubeward does not know its supervisor)\n", "  %s（pid %d）：请使用 plan.json 中的命令行重启（kubeward 不知道其管理进程）\n"), cp.Kind, cp.PID)
		}
	}
	return nil
}

func cpUnit(cp *nodefix.ComponentPlan) string {
	base := filepath.Base(cp.SourceFile)
	if strings.HasSuffix(filepath.Dir(cp.SourceFile), ".d") {
		base = strings.TrimSuffix(filepath.Base(filepath.Dir(cp.SourceFile)), ".d")
	}
	return base
}

// runNodeUndo reverts a `harden node --apply` from its record.
func runNodeUndo(g *globalOptions, file string, force, dryRun bool) error {
	data, err := readBounded(file)
	if err != nil {
		return usageError("harden undo: %v", err)
	}
	rec, err := nodefix.ParseRecord(data)
	if err != nil {
		return usageError("harden undo: %s: %v", file, err)
	}
	steps, err := nodefix.Undo(rec, force, dryRun, nowFunc())
	refused := false
	for _, s := range steps {
		switch {
		case s.Refused != "":
			refused = true
			fmt.Fprintf(g.stderr, layerText(g, "left alone: %s: %s\n", "保持不变：%s：%s\n"), s.Entry.Path, s.Refused)
		default:
			fmt.Fprintf(g.stdout, "%s: %s\n", s.Do, s.Entry.Path)
		}
	}
	if err != nil {
		return fmt.Errorf("harden undo: %w", err)
	}
	if dryRun {
		fmt.Fprintln(g.stderr, layerText(g, "kubeward: dry run: nothing changed", "kubeward：试运行：未做任何更改"))
	}
	if refused {
		return &exitError{code: ExitFindings}
	}
	return nil
}

// readBounded reads a record file of at most 16 MiB.
func readBounded(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 16<<20+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return data, nil
}

// validateSSHD runs sshd -t on the generated drop-in when the node is this
// machine and has sshd: a drop-in sshd refuses is an error, not a fix.
func validateSSHD(plan *nodefix.Plan, fs *host.FS, out string, stderr io.Writer) error {
	if !fs.Live() {
		return nil
	}
	for _, f := range plan.Files {
		if f.Path != nodefix.SSHDDropInFile {
			continue
		}
		sshd, err := exec.LookPath("sshd")
		if err != nil {
			return nil
		}
		err = hostfix.ValidateSSHD(sshd, f.Data)
		if errors.Is(err, hostfix.ErrNoPrivsep) {
			fmt.Fprintf(stderr, "kubeward: %s not validated: %v\n", filepath.Join(out, f.Path), err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(out, f.Path), err)
		}
	}
	return nil
}

// nodeHost is what the node's certificates are issued for.
func nodeHost(n *inventory.Node, name string, fs *host.FS) pki.Host {
	h := pki.Host{NodeName: name}
	if h.NodeName == "" {
		for _, k := range n.ComponentsOf(inventory.Kubelet) {
			if v, ok := k.Flag("hostname-override"); ok {
				h.NodeName = v
			}
		}
	}
	if hn := fs.Hostname(); hn != "" {
		h.Hostnames = append(h.Hostnames, hn)
		if h.NodeName == "" {
			h.NodeName = hn
		}
	}
	for _, a := range n.ComponentsOf(inventory.APIServer) {
		for _, f := range []string{"advertise-address", "bind-address"} {
			if ip := net.ParseIP(a.Setting(f).Value); ip != nil && !ip.IsUnspecified() {
				h.IPs = append(h.IPs, ip)
			}
		}
		if _, cidr, err := net.ParseCIDR(strings.Split(a.Setting("service-cluster-ip-range").Value, ",")[0]); err == nil {
			ip := make(net.IP, len(cidr.IP))
			copy(ip, cidr.IP)
			ip[len(ip)-1]++
			h.ServiceIP = ip
		}
	}
	return h
}

// apiServerURL is the address of the API server on this node, "" when
// none runs here.
func apiServerURL(n *inventory.Node) string {
	if as := n.ComponentsOf(inventory.APIServer); len(as) > 0 {
		a := as[0]
		addr := a.Setting("advertise-address").Value
		if ip := net.ParseIP(addr); ip == nil || ip.IsUnspecified() {
			addr = "127.0.0.1"
		}
		port := a.Setting("secure-port").Value
		if port == "" {
			port = "6443"
		}
		return "https://" + net.JoinHostPort(addr, port)
	}
	return ""
}

func textf(en, zh string, args ...any) catalog.Text {
	return catalog.Text{EN: fmt.Sprintf(en, args...), ZH: fmt.Sprintf(zh, args...)}
}
