package host

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/pelletier/go-toml/v2"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// KeyInfo is what a snapshot keeps of a private key: its type and size.
type KeyInfo struct {
	Type string `json:"type"`           // RSA, ECDSA, Ed25519, OpenSSH, encrypted, unknown
	Bits int    `json:"bits,omitempty"` // 0 when not known (an encrypted key)
}

// Redaction is what a snapshot keeps of one file.
type Redaction struct {
	Data     []byte    // the content to copy; nil: metadata only
	Withheld bool      // nothing of the content is copied
	Masked   bool      // the content is copied with values masked or removed
	Key      *KeyInfo  // the private key the file held
	Kind     string    // what the content was read as
	Refs     []FileRef // files the content names (a kubeconfig's certificates)
}

// FileRef is a file a configuration names, and the key naming it.
type FileRef struct{ Key, Path string }

// RedactFile decides what a snapshot keeps of a host file: an allow-list
// of what the node checks read, each parsed and rewritten without its
// secrets. Certificates and public keys (PEM or DER) are kept, private
// keys never (their type and size are); kubeconfigs keep their servers,
// CAs, certificates and file names; encryption configurations their
// provider names; YAML, JSON and TOML configuration files, systemd units,
// environment files and sshd configuration lose every secret-named value
// and URL credentials. Anything else, and any file a token, password or
// key setting names, is metadata only.
func RedactFile(p, setting string, data []byte, exists Exists) Redaction {
	if len(data) == 0 {
		return Redaction{Data: data, Kind: "empty"}
	}
	base := strings.ToLower(filepath.Base(p))
	if k, ok := privateKeyIn(data); ok {
		// A key never travels, even beside certificates (a kubelet's
		// *-current.pem): the certificates alone are kept.
		certs := certificatesOnly(data)
		r := Redaction{Key: &k, Kind: "private key", Data: certs, Withheld: certs == nil, Masked: certs != nil}
		return r
	}
	if secretSetting(setting) || strings.HasSuffix(base, ".key") || strings.HasSuffix(base, ".csv") {
		return Redaction{Withheld: true, Kind: "secret file"}
	}
	if pemFile(p, data) {
		certs := certificatesOnly(data)
		return Redaction{Data: certs, Withheld: certs == nil, Masked: certs != nil && !bytes.Equal(certs, data), Kind: "PEM"}
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		if _, err := x509.ParseCertificate(data); err == nil {
			return Redaction{Data: data, Kind: "DER certificate"}
		}
		if _, err := x509.ParsePKIXPublicKey(data); err == nil {
			return Redaction{Data: data, Kind: "DER public key"}
		}
		return Redaction{Withheld: true, Kind: "binary"}
	}
	switch textKind(p, setting) {
	case "unit":
		return lines(data, "systemd unit", func(l string) string { return maskUnitLine(l, exists) })
	case "env":
		return lines(data, "environment file", func(l string) string { return maskEnvLine(l, exists) })
	case "sshd":
		return lines(data, "sshd configuration", maskInline)
	case "public":
		return Redaction{Data: data, Kind: "public"}
	}
	r := RedactConfig(p, data, exists)
	if r.Data == nil {
		r.Withheld = true
	}
	return r
}

// pemFile tells a PEM file (certificates, a bundle) from a configuration
// that holds PEM text in a value.
func pemFile(p string, data []byte) bool {
	if !bytes.Contains(data, []byte("-----BEGIN ")) {
		return false
	}
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN ")) {
		return true
	}
	_, _, err := parseConfig(p, data)
	return err != nil
}

// secretSetting names a setting whose file is a secret whatever it holds.
func secretSetting(s string) bool {
	s = strings.ToLower(s)
	if strings.Contains(s, "cert") || strings.Contains(s, "config") || strings.Contains(s, "public") || strings.Contains(s, "pub-") {
		return false
	}
	for _, w := range []string{"token", "password", "passwd", "secret", "credential", "basic-auth", "private", "key"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// textKind tells the line formats apart by where they live.
func textKind(p, setting string) string {
	if setting == "EnvironmentFile" {
		return "env"
	}
	base := filepath.Base(p)
	dir := filepath.Dir(p)
	switch {
	case strings.HasSuffix(base, ".service") || strings.HasSuffix(base, ".socket") || (strings.HasSuffix(dir, ".service.d") || strings.HasSuffix(dir, ".socket.d")) && strings.HasSuffix(base, ".conf"):
		return "unit"
	case p == "/etc/environment" || p == "/etc/os-release" || p == "/etc/hostname" || dir == "/etc/default" || dir == "/etc/sysconfig" || strings.HasSuffix(base, ".env"):
		return "env"
	case strings.HasPrefix(base, "sshd_config") || strings.HasSuffix(dir, "/sshd_config.d"):
		return "sshd"
	case p == "/proc/net/if_inet6":
		return "public"
	case dir == "/etc/ssh" && strings.HasSuffix(base, ".pub"):
		return "public"
	}
	return ""
}

func lines(data []byte, kind string, mask func(string) string) Redaction {
	in := strings.Split(string(data), "\n")
	masked := false
	for i, l := range in {
		if m := mask(l); m != l {
			in[i], masked = m, true
		}
	}
	return Redaction{Data: []byte(strings.Join(in, "\n")), Masked: masked, Kind: kind}
}

// maskUnitLine masks a systemd unit line: Exec* command lines,
// Environment= assignments, and URL credentials elsewhere.
func maskUnitLine(l string, exists Exists) string {
	k, v, ok := strings.Cut(l, "=")
	if !ok {
		return maskInline(l)
	}
	key := strings.TrimSpace(k)
	switch {
	case strings.HasPrefix(key, "Exec"):
		return maskInline(k) + "=" + maskCommandLine(v, exists)
	case key == "Environment":
		return maskInline(k) + "=" + maskAssignments(v, exists)
	}
	return maskInline(k) + "=" + maskInline(v)
}

// maskAssignments masks NAME=value words (quoted or not) by name.
func maskAssignments(s string, exists Exists) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\t' {
			b.WriteByte(s[i])
			i++
			continue
		}
		start := i
		i = wordEnd(s, i, " \t")
		word := s[start:i]
		q := ""
		if len(word) >= 2 && (word[0] == '"' || word[0] == '\'') && word[len(word)-1] == word[0] {
			q, word = word[:1], word[1:len(word)-1]
		}
		if name, val, ok := strings.Cut(word, "="); ok {
			word = maskUserinfo(maskInline(name) + "=" + maskEnvValue(name, val, exists))
		} else {
			word = maskInline(word)
		}
		b.WriteString(q + word + q)
	}
	return b.String()
}

// maskEnvLine masks an environment file line: [export] NAME=value.
func maskEnvLine(l string, exists Exists) string {
	t := strings.TrimSpace(l)
	if t == "" || strings.HasPrefix(t, "#") {
		return maskInline(l)
	}
	k, v, ok := strings.Cut(l, "=")
	if !ok {
		return maskInline(l)
	}
	name := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(k), "export "))
	q := ""
	tv := strings.TrimSpace(v)
	if len(tv) >= 2 && (tv[0] == '"' || tv[0] == '\'') && tv[len(tv)-1] == tv[0] {
		q, tv = tv[:1], tv[1:len(tv)-1]
	}
	return maskUserinfo(maskInline(k) + "=" + q + maskEnvValue(name, tv, exists) + q)
}

// privateKeyIn finds a private key in data: a PEM block of any private key
// type (encrypted ones too), or DER in PKCS#1, PKCS#8 or SEC 1.
func privateKeyIn(data []byte) (KeyInfo, bool) {
	for block := range pemBlocks(data) {
		if block == nil {
			// A damaged block: withhold it if it says it is a key.
			if bytes.Contains(data, []byte("PRIVATE KEY")) {
				return KeyInfo{Type: "unknown"}, true
			}
			break
		}
		if !strings.Contains(block.Type, "PRIVATE KEY") && block.Headers["Proc-Type"] == "" {
			continue
		}
		switch {
		case block.Headers["Proc-Type"] != "" || strings.Contains(block.Type, "ENCRYPTED"):
			return KeyInfo{Type: "encrypted"}, true
		case block.Type == "OPENSSH PRIVATE KEY":
			return KeyInfo{Type: "OpenSSH"}, true
		}
		if k, ok := parseDERKey(block.Bytes); ok {
			return k, true
		}
		return KeyInfo{Type: "unknown"}, true
	}
	if bytes.Contains(data, []byte("PRIVATE KEY")) {
		return KeyInfo{Type: "unknown"}, true
	}
	if !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
		if k, ok := parseDERKey(data); ok {
			return k, true
		}
	}
	return KeyInfo{}, false
}

// pemBlocks yields the PEM blocks of data in order, skipping the text
// before each; a damaged block is yielded as nil and ends the sequence.
func pemBlocks(data []byte) iter.Seq[*pem.Block] {
	return func(yield func(*pem.Block) bool) {
		rest := data
		for {
			i := bytes.Index(rest, []byte("-----BEGIN "))
			if i < 0 {
				return
			}
			var block *pem.Block
			block, rest = pem.Decode(rest[i:])
			if !yield(block) || block == nil {
				return
			}
		}
	}
}

// parseDERKey reads a DER private key: PKCS#8, PKCS#1 or SEC 1.
func parseDERKey(der []byte) (KeyInfo, bool) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return keyInfo(k), true
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return keyInfo(k), true
	}
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return keyInfo(k), true
	}
	return KeyInfo{}, false
}

func keyInfo(k any) KeyInfo {
	switch t := k.(type) {
	case *rsa.PrivateKey:
		return KeyInfo{Type: "RSA", Bits: t.N.BitLen()}
	case *ecdsa.PrivateKey:
		return KeyInfo{Type: "ECDSA", Bits: t.Curve.Params().BitSize}
	case ed25519.PrivateKey:
		return KeyInfo{Type: "Ed25519", Bits: 256}
	}
	return KeyInfo{Type: fmt.Sprintf("%T", k)}
}

// certificatesOnly re-encodes the PEM certificates (that parse) and public
// keys of data, and nothing else; nil when there are none.
func certificatesOnly(data []byte) []byte {
	var out bytes.Buffer
	for block := range pemBlocks(data) {
		if block == nil {
			break
		}
		keep := false
		switch block.Type {
		case "CERTIFICATE", "TRUSTED CERTIFICATE":
			_, err := x509.ParseCertificate(block.Bytes)
			keep = err == nil
		case "PUBLIC KEY":
			_, err := x509.ParsePKIXPublicKey(block.Bytes)
			keep = err == nil
		case "RSA PUBLIC KEY":
			_, err := x509.ParsePKCS1PublicKey(block.Bytes)
			keep = err == nil
		case "X509 CRL":
			_, err := x509.ParseRevocationList(block.Bytes)
			keep = err == nil
		}
		if keep {
			_ = pem.Encode(&out, &pem.Block{Type: block.Type, Bytes: block.Bytes})
		}
	}
	if out.Len() == 0 {
		return nil
	}
	return out.Bytes()
}

// certificateData keeps a base64 PEM bundle's certificates, "" when it has
// none.
func certificateData(s string) string {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	if _, key := privateKeyIn(b); key {
		b = certificatesOnly(b)
	}
	certs := certificatesOnly(b)
	if certs == nil {
		if _, err := x509.ParseCertificate(b); err == nil {
			return s
		}
		return ""
	}
	return base64.StdEncoding.EncodeToString(certs)
}

var commandName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// format is how a configuration file is written.
type format int

const (
	formatYAML format = iota
	formatJSON
	formatTOML
)

// RedactConfig parses a YAML (every document), JSON or TOML file whose
// top level is a map and writes it back, in the same format, without its
// secrets; Data is nil when it does not parse (it is not copied).
func RedactConfig(p string, data []byte, exists Exists) Redaction {
	docs, f, err := parseConfig(p, data)
	if err != nil || len(docs) == 0 {
		return Redaction{Kind: "unparsed"}
	}
	r := Redaction{Masked: true}
	var kinds []string
	for i, d := range docs {
		out, kind, refs := redactDoc(d, exists)
		docs[i] = out
		kinds = append(kinds, kind)
		r.Refs = append(r.Refs, refs...)
	}
	r.Kind = strings.Join(kinds, ",")
	switch f {
	case formatJSON:
		b, err := json.MarshalIndent(docs[0], "", "  ")
		if err != nil {
			return Redaction{Kind: "unparsed"}
		}
		r.Data = append(b, '\n')
	case formatTOML:
		b, err := toml.Marshal(docs[0])
		if err != nil {
			return Redaction{Kind: "unparsed"}
		}
		r.Data = b
	default:
		var buf bytes.Buffer
		for i, d := range docs {
			b, err := yaml.Marshal(d)
			if err != nil {
				return Redaction{Kind: "unparsed"}
			}
			if i > 0 {
				buf.WriteString("---\n")
			}
			buf.Write(b)
		}
		r.Data = buf.Bytes()
	}
	return r
}

func parseConfig(p string, data []byte) ([]map[string]any, format, error) {
	ext := strings.ToLower(filepath.Ext(p))
	trimmed := bytes.TrimSpace(data)
	if ext == ".toml" {
		m, err := parseTOML(data)
		return m, formatTOML, err
	}
	if ext == ".json" || ext == ".conflist" || bytes.HasPrefix(trimmed, []byte("{")) {
		m := map[string]any{}
		if err := json.Unmarshal(data, &m); err == nil {
			return []map[string]any{m}, formatJSON, nil
		}
		if ext == ".json" {
			return nil, formatJSON, errors.New("not a JSON object")
		}
	}
	if docs, err := parseYAML(data); err == nil {
		return docs, formatYAML, nil
	}
	m, err := parseTOML(data)
	return m, formatTOML, err
}

func parseTOML(data []byte) ([]map[string]any, error) {
	m := map[string]any{}
	if err := toml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return []map[string]any{m}, nil
}

// parseYAML reads every document; each must be a map (or empty).
func parseYAML(data []byte) ([]map[string]any, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs []map[string]any
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var v any
		if err := yaml.Unmarshal(doc, &v); err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, errors.New("not a map")
		}
		docs = append(docs, m)
	}
	if len(docs) == 0 {
		return nil, errors.New("no document")
	}
	return docs, nil
}

// redactDoc rewrites one configuration document by what it is.
func redactDoc(d map[string]any, exists Exists) (map[string]any, string, []FileRef) {
	switch {
	case isKubeconfig(d):
		out, refs := RedactKubeconfig(d)
		return out, "kubeconfig", refs
	case isEncryptionConfig(d):
		return RedactEncryptionConfig(d), "encryption configuration", nil
	}
	return redactMap(d, exists), "configuration", nil
}

func isKubeconfig(d map[string]any) bool {
	n := 0
	for _, k := range []string{"clusters", "users", "contexts"} {
		if _, ok := d[k].([]any); ok {
			n++
		}
	}
	_, cc := d["current-context"]
	kind, _ := d["kind"].(string)
	return n > 0 || cc || (strings.EqualFold(kind, "Config") && d["resources"] == nil)
}

func isEncryptionConfig(d map[string]any) bool {
	kind, _ := d["kind"].(string)
	if strings.EqualFold(kind, "EncryptionConfiguration") || strings.EqualFold(kind, "EncryptionConfig") {
		return true
	}
	// By shape: resources: [{resources: [...], providers: [...]}].
	rs, ok := d["resources"].([]any)
	if !ok {
		return false
	}
	for _, r := range rs {
		if m, ok := r.(map[string]any); ok {
			if _, ok := m["providers"]; ok {
				return true
			}
		}
	}
	return false
}

// redactMap masks a configuration map: secret-named values, environment
// lists, command lines, URL credentials, keys in any string.
func redactMap(m map[string]any, exists Exists) map[string]any {
	out := make(map[string]any, len(m))
	// An environment variable entry: {name: X, value: Y}.
	envName, isEnv := m["name"].(string)
	if _, hasValue := m["value"].(string); !hasValue {
		isEnv = false
	}
	for k, v := range m {
		if isEnv && k == "value" {
			out[k] = maskEnvValue(envName, v.(string), exists)
			continue
		}
		// A key can hold credentials too: a mirror's URL.
		out[maskInline(k)] = redactValue(k, v, exists)
	}
	return out
}

func redactValue(k string, v any, exists Exists) any {
	switch t := v.(type) {
	case map[string]any:
		if SecretName(k) && (strings.EqualFold(k, "auths") || strings.EqualFold(k, "auth")) {
			return map[string]any{} // registry credentials: nothing of them travels
		}
		return redactMap(t, exists)
	case []any:
		lk := strings.ToLower(k)
		if strs, ok := stringList(t); ok {
			switch lk {
			case "command", "args", "cmd", "entrypoint":
				return toAny(MaskArgs(strs, exists))
			case "env":
				for i, s := range strs {
					if name, val, ok := strings.Cut(s, "="); ok {
						strs[i] = maskUserinfo(maskInline(name) + "=" + maskEnvValue(name, val, exists))
					} else {
						strs[i] = maskInline(s)
					}
				}
				return toAny(strs)
			}
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = redactValue(k, e, exists)
		}
		return out
	case string:
		return maskValue(k, t, exists)
	}
	return v
}

func stringList(l []any) ([]string, bool) {
	out := make([]string, len(l))
	for i, e := range l {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, len(l) > 0
}

func toAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// RedactKubeconfig rebuilds a kubeconfig from what the checks read:
// servers (without credentials), CAs and client certificates (files, or
// data that parses as certificates), file names of client keys and token
// files, and the presence, never the value, of a client key or token.
// Usernames, passwords, exec and auth-provider configurations are dropped.
// It also returns the files the kubeconfig names.
func RedactKubeconfig(d map[string]any) (map[string]any, []FileRef) {
	var refs []FileRef
	str := func(m map[string]any, k string) (string, bool) {
		s, ok := m[k].(string)
		return s, ok && s != ""
	}
	path := func(m map[string]any, k string, out map[string]any) {
		if s, ok := str(m, k); ok {
			if safe := maskInline(s); safe == s && !strings.ContainsAny(s, "\n") {
				out[k] = s
				refs = append(refs, FileRef{Key: k, Path: s})
			}
		}
	}
	name := func(m map[string]any, out map[string]any) {
		if s, ok := str(m, "name"); ok {
			out["name"] = maskInline(s)
		}
	}
	out := map[string]any{"apiVersion": "v1", "kind": "Config"}
	if s, ok := str(d, "current-context"); ok {
		out["current-context"] = maskInline(s)
	}
	each := func(key, inner string, fn func(in, out map[string]any)) {
		l, _ := d[key].([]any)
		if len(l) == 0 {
			return
		}
		var list []any
		for _, e := range l {
			em, _ := e.(map[string]any)
			if em == nil {
				continue
			}
			o := map[string]any{}
			name(em, o)
			im, _ := em[inner].(map[string]any)
			io := map[string]any{}
			if im != nil {
				fn(im, io)
			}
			o[inner] = io
			list = append(list, o)
		}
		out[key] = list
	}
	each("clusters", "cluster", func(in, o map[string]any) {
		for _, k := range []string{"server", "proxy-url", "tls-server-name"} {
			if s, ok := str(in, k); ok {
				o[k] = maskInline(s)
			}
		}
		path(in, "certificate-authority", o)
		if s, ok := str(in, "certificate-authority-data"); ok {
			if c := certificateData(s); c != "" {
				o["certificate-authority-data"] = c
			}
		}
		for _, k := range []string{"insecure-skip-tls-verify", "disable-compression"} {
			if b, ok := in[k].(bool); ok {
				o[k] = b
			}
		}
	})
	each("contexts", "context", func(in, o map[string]any) {
		for _, k := range []string{"cluster", "user", "namespace"} {
			if s, ok := str(in, k); ok {
				o[k] = maskInline(s)
			}
		}
	})
	each("users", "user", func(in, o map[string]any) {
		path(in, "client-certificate", o)
		path(in, "client-key", o)
		path(in, "tokenFile", o)
		if s, ok := str(in, "client-certificate-data"); ok {
			if c := certificateData(s); c != "" {
				o["client-certificate-data"] = c
			}
		}
		// The checks ask whether a key or a token is there, never what it is.
		for _, k := range []string{"client-key-data", "token"} {
			if _, ok := str(in, k); ok {
				o[k] = Redacted
			}
		}
		if ap, ok := in["auth-provider"].(map[string]any); ok {
			if n, ok := str(ap, "name"); ok {
				o["auth-provider"] = map[string]any{"name": maskInline(n)}
			}
		}
		if ex, ok := in["exec"].(map[string]any); ok {
			e := map[string]any{}
			if v, ok := str(ex, "apiVersion"); ok {
				e["apiVersion"] = maskInline(v)
			}
			if c, ok := str(ex, "command"); ok && (pathValue.MatchString(c) || commandName.MatchString(c)) && !SecretName(c) {
				e["command"] = c
			}
			o["exec"] = e
		}
	})
	return out, refs
}

// RedactEncryptionConfig keeps an EncryptionConfiguration's resources and,
// for each, its providers' names (and a KMS provider's API version and
// name): no keys, no secrets.
func RedactEncryptionConfig(d map[string]any) map[string]any {
	out := map[string]any{"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration"}
	switch v, _ := d["apiVersion"].(string); v {
	case "apiserver.config.k8s.io/v1", "apiserver.config.k8s.io/v1beta1", "v1":
		out["apiVersion"] = v
	}
	if k, _ := d["kind"].(string); k == "EncryptionConfig" {
		out["kind"] = k
	}
	rs, _ := d["resources"].([]any)
	var resources []any
	for _, r := range rs {
		rm, _ := r.(map[string]any)
		if rm == nil {
			continue
		}
		o := map[string]any{}
		if names, ok := rm["resources"].([]any); ok {
			var keep []any
			for _, n := range names {
				if s, ok := n.(string); ok {
					keep = append(keep, maskInline(s))
				}
			}
			o["resources"] = keep
		}
		ps, _ := rm["providers"].([]any)
		var providers []any
		for _, p := range ps {
			pm, _ := p.(map[string]any)
			for name, cfg := range pm {
				switch name {
				case "identity", "aescbc", "aesgcm", "secretbox":
					providers = append(providers, map[string]any{name: map[string]any{}})
				case "kms":
					k := map[string]any{}
					if cm, ok := cfg.(map[string]any); ok {
						for _, f := range []string{"apiVersion", "name"} {
							if s, ok := cm[f].(string); ok {
								k[f] = maskInline(s)
							}
						}
					}
					providers = append(providers, map[string]any{"kms": k})
				default:
					providers = append(providers, map[string]any{"unknown": map[string]any{}})
				}
			}
		}
		o["providers"] = providers
		resources = append(resources, o)
	}
	out["resources"] = resources
	return out
}
