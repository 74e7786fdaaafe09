// Package secrets writes the moves the plan asks for secrets (item 4.11):
// each Secret found in YAML becomes an ExternalSecret that recreates it from
// Vault, with a SecretStore that logs in to Vault with its Kubernetes auth
// method; each chart password with a literal default becomes an empty
// default and a helm command that gives a random value from a file.
// Nothing here reads or prints a secret value: the ExternalSecrets name
// keys and Vault paths only, and the random values are written by the
// caller to files of mode 0600 (WriteValueFile).
package secrets

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/config"
)

// Secret is a Secret found in YAML: where it is and its keys, never its
// values.
type Secret struct {
	Namespace, Name, Type string
	Keys                  []string
	Labels                map[string]string
	File                  string
	Line                  int
}

// Namespace is what one namespace needs: a ServiceAccount and a
// SecretStore to read Vault, and an ExternalSecret per Secret.
type Namespace struct {
	Name    string
	Secrets []Secret
	Objects []any
	// Vault is the Vault side, as commands for a person: the role the
	// store logs in with, and the keys to copy into Vault.
	Vault []string
}

// The API versions written. external-secrets.io/v1 is served by External
// Secrets Operator v0.17 and later.
const (
	ESOVersion = "external-secrets.io/v1"
)

type meta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   meta   `json:"metadata"`
	Spec       any    `json:"spec,omitempty"`
	// AutomountServiceAccountToken is for the ServiceAccount.
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
}

var generated = map[string]string{"app.kubernetes.io/managed-by": "kubeward"}

// Generate groups the Secrets by namespace and builds each namespace's
// objects, in a stable order.
func Generate(secrets []Secret, cfg config.HardenSecrets) []Namespace {
	byNS := map[string][]Secret{}
	for _, s := range secrets {
		byNS[s.Namespace] = append(byNS[s.Namespace], s)
	}
	names := make([]string, 0, len(byNS))
	for n := range byNS {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]Namespace, 0, len(names))
	for _, n := range names {
		list := byNS[n]
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		ns := Namespace{Name: n, Secrets: list}
		f := false
		ns.Objects = append(ns.Objects,
			object{APIVersion: "v1", Kind: "ServiceAccount", Metadata: meta{Name: cfg.Account(), Namespace: n, Labels: generated}, AutomountServiceAccountToken: &f},
			SecretStore(n, cfg))
		ns.Vault = append(ns.Vault, fmt.Sprintf("vault write auth/%s/role/%s bound_service_account_names=%s bound_service_account_namespaces=%s policies=%s token_ttl=15m",
			cfg.Auth(), cfg.Role(n), cfg.Account(), n, cfg.Role(n)))
		for _, s := range list {
			ns.Objects = append(ns.Objects, ExternalSecret(s, cfg))
			ns.Vault = append(ns.Vault, fmt.Sprintf("vault kv put -mount=%s %s %s   # the values of Secret %s/%s (from %s:%d); kubeward never reads them",
				cfg.Mount(), cfg.Path(n, s.Name), keyArgs(s.Keys), n, s.Name, s.File, s.Line))
		}
		out = append(out, ns)
	}
	return out
}

// keyArgs is "k1=@k1.txt k2=@k2.txt": vault reads each value from a file,
// so none is typed on a command line.
func keyArgs(keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=@" + k + ".txt"
	}
	return strings.Join(parts, " ")
}

// SecretStore is namespace ns's Vault store with Kubernetes auth.
func SecretStore(ns string, cfg config.HardenSecrets) any {
	return object{APIVersion: ESOVersion, Kind: "SecretStore", Metadata: meta{Name: cfg.Store(), Namespace: ns, Labels: generated},
		Spec: map[string]any{"provider": map[string]any{"vault": map[string]any{
			"server": cfg.Server(), "path": cfg.Mount(), "version": cfg.KVVersion(),
			"auth": map[string]any{"kubernetes": map[string]any{
				"mountPath": cfg.Auth(), "role": cfg.Role(ns),
				"serviceAccountRef": map[string]any{"name": cfg.Account()},
			}},
		}}}}
}

// ExternalSecret recreates s from its Vault path, one property per key.
func ExternalSecret(s Secret, cfg config.HardenSecrets) any {
	data := make([]any, 0, len(s.Keys))
	for _, k := range s.Keys {
		data = append(data, map[string]any{"secretKey": k, "remoteRef": map[string]any{"key": cfg.Path(s.Namespace, s.Name), "property": k}})
	}
	target := map[string]any{"name": s.Name, "creationPolicy": "Owner"}
	tmpl := map[string]any{}
	if s.Type != "" && s.Type != "Opaque" {
		tmpl["type"] = s.Type
	}
	if len(s.Labels) > 0 {
		tmpl["metadata"] = map[string]any{"labels": s.Labels}
	}
	if len(tmpl) > 0 {
		target["template"] = tmpl
	}
	return object{APIVersion: ESOVersion, Kind: "ExternalSecret",
		Metadata: meta{Name: s.Name, Namespace: s.Namespace, Labels: generated,
			Annotations: map[string]string{"kubeward.io/replaces": fmt.Sprintf("Secret %s/%s at %s:%d", s.Namespace, s.Name, s.File, s.Line)}},
		Spec: map[string]any{"refreshInterval": cfg.Refresh(), "secretStoreRef": map[string]any{"name": cfg.Store(), "kind": "SecretStore"},
			"target": target, "data": data}}
}

// Render writes a namespace's objects as one YAML stream, headed by what a
// person does on the Vault side.
func Render(ns Namespace, lang string) ([]byte, error) {
	var b bytes.Buffer
	if lang == "zh" {
		fmt.Fprintf(&b, "# 由 kubeward harden secrets 生成：命名空间 %s 的 Secret 改由 Vault 经 External Secrets Operator 提供。\n# 先在 Vault 中完成（值从文件读取，不出现在命令行）：\n", ns.Name)
	} else {
		fmt.Fprintf(&b, "# Generated by kubeward harden secrets: the Secrets of namespace %s, recreated from Vault by External Secrets Operator.\n# First, on the Vault side (values read from files, never typed on a command line):\n", ns.Name)
	}
	for _, v := range ns.Vault {
		b.WriteString("#   " + v + "\n")
	}
	if lang == "zh" {
		b.WriteString("# 然后应用本文件，并从 Git 中删除原 Secret 清单。\n")
	} else {
		b.WriteString("# Then apply this file and remove the Secret manifests from Git.\n")
	}
	body, err := renderObjects("", ns.Objects)
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", ns.Name, err)
	}
	b.Write(body)
	return b.Bytes(), nil
}

func renderObjects(head string, objs []any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(head)
	for _, o := range objs {
		data, err := sigsyaml.Marshal(o)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}

// ChartValue is a chart value with a literal default in a values file.
type ChartValue struct {
	Chart, ChartDir, Key string
	ValuesFile           string
	Line                 int
}

// EmptyDefault returns the values file with the key's literal default
// replaced by "", its comments and layout kept, or an error naming why it
// cannot (a block scalar, an anchor, a key not at the line).
func EmptyDefault(data []byte, key string, line int) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parsing the values file: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, errors.New("empty values file")
	}
	n := root.Content[0]
	var keyNode, val *yaml.Node
	for _, p := range strings.Split(key, ".") {
		if n.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s: not a map on the way", key)
		}
		keyNode, val = nil, nil
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				keyNode, val = n.Content[i], n.Content[i+1]
			}
		}
		if val == nil {
			return nil, fmt.Errorf("%s: not in the file", key)
		}
		n = val
	}
	if keyNode.Line != line || val.Kind != yaml.ScalarNode || val.Line != keyNode.Line || val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || val.Anchor != "" {
		return nil, fmt.Errorf("%s (line %d): not a one-line scalar; edit it by hand", key, line)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if line-1 >= len(lines) {
		return nil, fmt.Errorf("%s: line %d is past the end", key, line)
	}
	l := lines[line-1]
	start := val.Column - 1
	end := valueEnd(l, start, val.Style)
	if start < 0 || start > len(l) || end < start {
		return nil, fmt.Errorf("%s (line %d): cannot find the value", key, line)
	}
	var nl bytes.Buffer
	nl.Write(l[:start])
	nl.WriteString(`""`)
	nl.Write(l[end:])
	lines[line-1] = nl.Bytes()
	return bytes.Join(lines, nil), nil
}

// valueEnd finds the end of a one-line scalar starting at start: the
// closing quote, or for a plain scalar the start of " #" or the line end.
func valueEnd(l []byte, start int, style yaml.Style) int {
	trimEnd := len(bytes.TrimRight(l, "\r\n"))
	if start >= trimEnd {
		return -1
	}
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		for i := start + 1; i < trimEnd; i++ {
			if l[i] == '\\' {
				i++
				continue
			}
			if l[i] == '"' {
				return i + 1
			}
		}
		return -1
	case style&yaml.SingleQuotedStyle != 0:
		for i := start + 1; i < trimEnd; i++ {
			if l[i] == '\'' {
				if i+1 < trimEnd && l[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return -1
	}
	end := trimEnd
	if i := bytes.Index(l[start:trimEnd], []byte(" #")); i >= 0 {
		end = start + i
	}
	for end > start && (l[end-1] == ' ' || l[end-1] == '\t') {
		end--
	}
	return end
}

// RandomValue is a password of n letters and digits from crypto/rand.
func RandomValue(n int) (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	out := make([]byte, n)
	for i := range out {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", fmt.Errorf("random value: %w", err)
		}
		out[i] = alphabet[k.Int64()]
	}
	return string(out), nil
}

// WriteValueFile writes a new random value to file with mode 0600 (its
// directory 0700), unless the file exists: a value already generated is
// kept, so a second run gives the same command. It reports whether it
// wrote.
func WriteValueFile(file string) (bool, error) {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return false, err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		st, err := os.Lstat(file)
		if err != nil {
			return false, err
		}
		if !st.Mode().IsRegular() || st.Mode().Perm()&0o077 != 0 {
			return false, fmt.Errorf("%s exists and is not a regular file of mode 0600; not using it", file)
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	v, err := RandomValue(32)
	if err != nil {
		f.Close()
		os.Remove(file)
		return false, err
	}
	if _, err := f.WriteString(v); err != nil {
		f.Close()
		return false, err
	}
	return true, f.Close()
}

// HelmCommand is the install command that gives each key from its file:
// --set-file reads the value, so it is in no shell history or process list.
func HelmCommand(release, chartDir, namespace string, valueFiles []string, files map[string]string) string {
	parts := []string{"helm", "upgrade", "--install", shellQuote(release), shellQuote(chartDir), "--namespace", shellQuote(namespace)}
	for _, v := range valueFiles {
		parts = append(parts, "--values", shellQuote(v))
	}
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, "--set-file", shellQuote(k+"="+files[k]))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
