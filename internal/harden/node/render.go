package node

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/harden/node/apiconfig"
	"github.com/kubeward/kubeward/internal/harden/node/pki"
	"github.com/kubeward/kubeward/internal/inventory"
)

// PlanFile is the machine-readable plan in the output directory.
const PlanFile = "plan.json"

// patchTargets are kubeadm's --patches target names.
var patchTargets = map[string]string{
	inventory.Etcd: "etcd", inventory.APIServer: "kube-apiserver",
	inventory.ControllerManager: "kube-controller-manager", inventory.Scheduler: "kube-scheduler",
}

// Render adds to the plan's files the patches, drop-ins and plan.json
// that carry the components' new configuration.
func (p *Plan) Render() error {
	for _, cp := range p.Components {
		if t, ok := patchTargets[cp.Kind]; ok && cp.Source != "systemd unit" {
			data, err := podPatch(cp)
			if err != nil {
				return err
			}
			p.Files = append(p.Files, &File{Path: "patches/" + t + "+strategic.yaml", Mode: 0o600, Data: data, Fixes: cp.Fixes,
				What: catalog.F("kubeadm patch for the %s static pod (kubeadm upgrade apply --patches DIR)", "%s 静态 Pod 的 kubeadm 补丁（kubeadm upgrade apply --patches DIR）", cp.Kind)})
		}
		if cp.ConfigPatch != nil {
			data, err := kubeletPatch(cp.ConfigPatch)
			if err != nil {
				return err
			}
			p.Files = append(p.Files, &File{Path: "patches/kubeletconfiguration+strategic.yaml", Mode: 0o600, Data: data, Fixes: cp.Fixes,
				What: catalog.F("KubeletConfiguration patch for %s", "%s 的 KubeletConfiguration 补丁", cp.ConfigFile)})
		}
		if cp.Source == "systemd unit" || (cp.Kind == inventory.Kubelet && cp.argsChanged()) {
			unit := "kubelet.service"
			if cp.Source == "systemd unit" && cp.SourceFile != "" {
				unit = unitName(cp.SourceFile)
			}
			p.Files = append(p.Files, &File{Path: "systemd/" + unit + ".d/50-kubeward.conf", Mode: 0o644, Data: dropIn(cp), Fixes: cp.Fixes,
				What: catalog.F("systemd drop-in: %s's new command line (systemctl daemon-reload; systemctl restart %s)", "systemd 附加配置：%s 的新命令行（systemctl daemon-reload；systemctl restart %s）", cp.Kind, unit)})
		}
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	p.Files = append(p.Files, &File{Path: PlanFile, Mode: 0o600, Data: append(data, '\n'),
		What: catalog.Text{EN: "the plan, machine-readable: every component's new command line and config patch", ZH: "机器可读的计划：各组件的新命令行与配置补丁"}})
	return nil
}

func (cp *ComponentPlan) argsChanged() bool {
	if cp.old == nil || len(cp.old.Args) != len(cp.Args) {
		return true
	}
	for i := range cp.Args {
		if cp.Args[i] != cp.old.Args[i] {
			return true
		}
	}
	return false
}

// unitName is the unit a unit file or drop-in belongs to.
func unitName(file string) string {
	dir, base := path.Split(file)
	if strings.HasSuffix(strings.TrimSuffix(dir, "/"), ".d") {
		return path.Base(strings.TrimSuffix(strings.TrimSuffix(dir, "/"), ".d"))
	}
	return base
}

// podPatch is a strategic merge patch of the component's static pod: its
// container's full command (a list, which a patch replaces whole) and
// hostPath mounts for the directories the new flags name.
func podPatch(cp *ComponentPlan) ([]byte, error) {
	name := patchTargets[cp.Kind]
	var mounts []map[string]any
	var vols []map[string]any
	for i, dir := range newDirs(cp) {
		vn := fmt.Sprintf("kubeward-%d", i)
		mounts = append(mounts, map[string]any{"name": vn, "mountPath": dir, "readOnly": !strings.Contains(dir, "/log")})
		vols = append(vols, map[string]any{"name": vn, "hostPath": map[string]any{"path": dir, "type": "DirectoryOrCreate"}})
	}
	container := map[string]any{"name": name, "command": cp.Args}
	if len(mounts) > 0 {
		container["volumeMounts"] = mounts
	}
	spec := map[string]any{"containers": []any{container}}
	if len(vols) > 0 {
		spec["volumes"] = vols
	}
	doc := map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": "kube-system"}, "spec": spec}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("# kubeward harden node: %s fixes %s\n", name, strings.Join(cp.Fixes, ", "))
	for _, c := range cp.Changes {
		head += "#   " + c + "\n"
	}
	return append([]byte(head), body...), nil
}

// newDirs are the directories of the absolute paths the changed flags
// name (for hostPath mounts).
func newDirs(cp *ComponentPlan) []string {
	seen := map[string]bool{}
	for _, c := range cp.Changes {
		_, v, ok := strings.Cut(c, "=")
		if !ok || !strings.HasPrefix(c, "--") {
			continue
		}
		for _, part := range strings.Split(v, ",") {
			if strings.HasPrefix(part, "/") {
				seen[filepath.Dir(part)] = true
			}
		}
	}
	var out []string
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

func kubeletPatch(patch map[string]any) ([]byte, error) {
	doc := map[string]any{"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration"}
	for k, v := range patch {
		doc[k] = v
	}
	body, err := yaml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if err := apiconfig.ValidateKubeletConfig(body); err != nil {
		return nil, err
	}
	return append([]byte("# kubeward harden node: KubeletConfiguration fields to merge into the kubelet's config file\n"), body...), nil
}

// dropIn replaces the unit's ExecStart with the new command line.
func dropIn(cp *ComponentPlan) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# kubeward harden node: %s fixes %s\n[Service]\nExecStart=\nExecStart=", cp.Kind, strings.Join(cp.Fixes, ", "))
	for i, a := range cp.Args {
		if i > 0 {
			b.WriteString(" \\\n    ")
		}
		b.WriteString(systemdQuote(a))
	}
	b.WriteString("\n")
	return []byte(b.String())
}

func systemdQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if strings.ContainsAny(s, " \t\"'\\$") {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", "$$").Replace(s) + `"`
	}
	return s
}

// Write writes the plan's files under dir; it never replaces a file.
func (p *Plan) Write(dir string) error {
	for _, f := range p.Files {
		full := filepath.Join(dir, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		fh, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.Mode)
		if err != nil {
			return fmt.Errorf("writing %s: %w (kubeward does not replace files in --out; choose an empty directory)", full, err)
		}
		_, werr := fh.Write(f.Data)
		if err := errors.Join(werr, fh.Close()); err != nil {
			return fmt.Errorf("writing %s: %w", full, err)
		}
		if err := os.Chmod(full, f.Mode); err != nil {
			return err
		}
	}
	return nil
}

var sourceText = map[string]catalog.Text{
	"static pod":   {EN: "static pod", ZH: "静态 Pod"},
	"systemd unit": {EN: "systemd unit", ZH: "systemd 单元"},
	"process":      {EN: "process", ZH: "进程"},
}

var statusZH = map[pki.Status]string{pki.OK: "有效", pki.Missing: "缺失", pki.Expired: "已过期", pki.Expiring: "即将过期",
	pki.Weak: "弱密钥", pki.WrongCA: "CA 不符", pki.Invalid: "无法读取", pki.NoKey: "密钥缺失或不匹配"}

// Print says what each file fixes, in lang ("en" or "zh").
func (p *Plan) Print(w io.Writer, lang string) {
	t := func(x catalog.Text) string {
		if lang == "zh" && x.ZH != "" {
			return x.ZH
		}
		return x.EN
	}
	tr := func(en, zh string) string {
		if lang == "zh" {
			return zh
		}
		return en
	}
	fmt.Fprintln(w, tr("Files:", "文件："))
	for _, f := range p.Files {
		ids := ""
		if len(f.Fixes) > 0 {
			ids = " [" + strings.Join(f.Fixes, " ") + "]"
		}
		fmt.Fprintf(w, "  %s%s\n    %s\n", f.Path, ids, t(f.What))
	}
	if len(p.Components) > 0 {
		fmt.Fprintln(w, tr("Components:", "组件："))
		for _, cp := range p.Components {
			fmt.Fprintf(w, "  %s (%s) [%s]\n", cp.Kind, t(sourceText[cp.Source]), strings.Join(cp.Fixes, " "))
			for _, c := range cp.Changes {
				fmt.Fprintf(w, "    %s\n", c)
			}
		}
	}
	if p.PKI && len(p.Certificates) > 0 {
		fmt.Fprintln(w, tr("Certificates (the components above are pointed at them):", "证书（上述组件将使用这些证书）："))
		for _, e := range p.Certificates {
			issuer := e.Cert.CA
			if issuer == "" {
				issuer = "self (CA)"
			}
			status := string(e.Status)
			if lang == "zh" && statusZH[e.Status] != "" {
				status = statusZH[e.Status]
			}
			fmt.Fprintf(w, "  %-28s %-12s CN=%s O=%s issuer=%s  %s\n", e.Cert.Name, status, e.Cert.CN, strings.Join(e.Cert.Org, ","), issuer, e.Cert.For)
		}
	}
	if len(p.FileFixes) > 0 {
		fmt.Fprintln(w, tr("File modes and owners:", "文件权限与属主："))
		for _, f := range p.FileFixes {
			var what []string
			if f.Mode != 0 {
				what = append(what, fmt.Sprintf("chmod %04o", f.Mode))
			}
			if f.Chown {
				what = append(what, "chown root:root")
			}
			fmt.Fprintf(w, "  %s %s [%s]\n", strings.Join(what, "; "), f.Path, strings.Join(f.Fixes, " "))
		}
	}
	if len(p.Unfixed) > 0 {
		fmt.Fprintln(w, tr("Not fixed automatically:", "未自动修复："))
		for _, u := range p.Unfixed {
			fmt.Fprintf(w, "  %s (%s): %s\n", u.ID, u.Component, t(u.Why))
		}
	}
	if len(p.Steps) > 0 {
		fmt.Fprintln(w, tr("Then (printed, not run):", "随后（仅打印，不执行）："))
		for _, s := range p.Steps {
			fmt.Fprintf(w, "  %s\n", t(s))
		}
	}
}
