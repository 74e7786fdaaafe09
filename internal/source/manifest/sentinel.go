package manifest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/getter"

	"github.com/kubeward/kubeward/internal/check/secrets"
	"github.com/kubeward/kubeward/internal/inventory"
)

// Where a chart's secret-looking values go, found by rendering, not by
// reading templates: the chart is rendered with every secret-looking key
// set to a sentinel, then again with other sentinels, and the documents
// that differ say where each value lands (the sentinel itself, or its
// base64, in a Secret, a ConfigMap or a secret-looking env var). A changed
// Secret or ConfigMap no sentinel explains (the value transformed on the
// way) is attributed by rendering with one key changed at a time. Then,
// for each value that lands there: a --set expression gives it on the
// command line; a non-empty default in values.yaml or a --values file is a
// literal in a file; an empty one is required when the chart refuses to
// render without it, generated when two renders without it differ. A value
// that no longer lands anywhere while a sibling existingSecret key is set
// is read from that Secret. Each verdict becomes an inventory.ChartValue
// object, located at the values file line, that KW-SEC-006 judges.

// Bounds of the analysis: keys considered, and renders with one key
// changed. The renders run inside the chart's render time limit.
const (
	maxSentinelKeys     = 32
	maxIsolationRenders = 16
)

// existingSecretKey matches the existingSecret pattern's keys.
var existingSecretKey = regexp.MustCompile(`(?i)^existing[_-]?secret(name)?$`)

// secretKey is a secret-looking key of the chart's values.
type secretKey struct {
	path    []string
	dotted  string
	a, b    string   // the two sentinels
	flows   []string // where the value lands
	docs    []docRef // the documents it lands in
	sibling []string // path of a sibling existingSecret key, if any
	err     error    // the render with this key's sentinel failed
}

type docRef struct {
	file string
	i    int
}

// chartSecretValues analyses the chart's secret-looking values and returns
// the ChartValue documents, or nil when the chart has none.
func chartSecretValues(dir string, ch *chart.Chart, vals map[string]any, opts Options, valsAt *chartValues, ns string) []renderedFile {
	keys := secretKeys(ch.Values, vals)
	if len(keys) == 0 {
		return nil
	}
	out := &chartValueDocs{chart: ch.Name()}
	render := func(over map[string]string) (map[string]string, error) {
		v := copyValues(vals)
		for dotted, s := range over {
			setPath(v, strings.Split(dotted, "."), s)
		}
		rv, err := chartutil.ToRenderValues(ch, v, common.ReleaseOptions{Name: "release", Namespace: ns, Revision: 1, IsInstall: true}, nil)
		if err != nil {
			return nil, err
		}
		rendered, err := engine.Render(ch, rv)
		if err != nil {
			return nil, err
		}
		total := 0
		for _, s := range rendered {
			total += len(s)
		}
		if total > maxRenderBytes {
			return nil, fmt.Errorf("output of %d MiB is over the %d MiB limit", total>>20, maxRenderBytes>>20)
		}
		return rendered, nil
	}
	with := func(pick func(*secretKey) string) map[string]string {
		m := map[string]string{}
		for _, k := range keys {
			m[k.dotted] = pick(k)
		}
		return m
	}
	outA, errA := render(with(func(k *secretKey) string { return k.a }))
	outB, errB := render(with(func(k *secretKey) string { return k.b }))
	unexplained := false
	if errA == nil && errB == nil {
		unexplained = attribute(keys, outA, outB)
	} else {
		// The chart refuses some sentinel (a values schema, a check on the
		// value): try each key alone, the others as given.
		failed := isolateKeys(keys, render)
		for _, k := range failed {
			// Only a literal default can fail the check: say that it could
			// not be told, never pass it silently.
			def := lookupPath(fileValues(opts.ValueFiles), k.path)
			if def == nil {
				def = lookupPath(ch.Values, k.path)
			}
			if scalarText(def) == "" || lookupPath(setValues(opts.Set), k.path) != nil {
				continue
			}
			out.add(dir, valsAt, &inventory.ChartValue{Key: k.dotted, Source: inventory.ChartValueUnknown,
				Detail: "rendering with a sentinel value failed: " + redactSentinels(firstLine(k.err).Error(), keys)}, k.path)
		}
	}
	if unexplained {
		isolated := 0
		for _, k := range keys {
			if len(k.flows) > 0 || isolated >= maxIsolationRenders {
				continue
			}
			isolated++
			over := with(func(x *secretKey) string { return x.a })
			over[k.dotted] = k.b
			outK, err := render(over)
			if err != nil {
				continue
			}
			for _, d := range changedDocs(outA, outK) {
				if kind, name := kindName(d.a); kind == "Secret" || kind == "ConfigMap" {
					k.flows = appendUnique(k.flows, kind+"/"+name)
					k.docs = append(k.docs, d.ref)
				}
			}
		}
	}
	setVals := setValues(opts.Set)
	fileVals := fileValues(opts.ValueFiles)
	final := chartValuesTree(ch, vals)
	for _, k := range keys {
		cv := &inventory.ChartValue{Key: k.dotted, Flows: k.flows}
		at := k.path
		switch {
		case len(k.flows) == 0:
			if k.sibling == nil {
				continue
			}
			name, _ := lookupPath(final, k.sibling).(string)
			if name == "" {
				continue
			}
			cv.Source, cv.Detail, at = inventory.ChartValueExistingSecret, strings.Join(k.sibling, ".")+" = "+name, k.sibling
		case lookupPath(setVals, k.path) != nil:
			cv.Source, cv.Detail = inventory.ChartValueCommandLine, "--set "+k.dotted
		default:
			def := lookupPath(fileVals, k.path)
			if def == nil {
				def = lookupPath(ch.Values, k.path)
			}
			if s := scalarText(def); s != "" {
				cv.Source, cv.Length = inventory.ChartValueLiteral, len(s)
				if k.sibling != nil {
					cv.Detail = "the chart also reads an existing Secret named by " + strings.Join(k.sibling, ".")
				}
				break
			}
			cv.Source = emptyDefault(k, render, ch)
			if cv.Source == "" {
				continue
			}
		}
		out.add(dir, valsAt, cv, at)
	}
	return out.files(dir)
}

// isolateKeys renders the chart with one key at a time set to its two
// sentinels, the others as given, and attributes the documents that change
// to that key. It returns the keys whose renders failed.
func isolateKeys(keys []*secretKey, render func(map[string]string) (map[string]string, error)) []*secretKey {
	var failed []*secretKey
	for _, k := range keys {
		a, errA := render(map[string]string{k.dotted: k.a})
		b, errB := render(map[string]string{k.dotted: k.b})
		if errA != nil || errB != nil {
			k.err = errA
			if k.err == nil {
				k.err = errB
			}
			failed = append(failed, k)
			continue
		}
		attribute([]*secretKey{k}, a, b)
		for _, d := range changedDocs(a, b) {
			if kind, name := kindName(d.a); (kind == "Secret" || kind == "ConfigMap") && len(k.flows) == 0 {
				k.flows = appendUnique(k.flows, kind+"/"+name)
				k.docs = append(k.docs, d.ref)
			}
		}
	}
	return failed
}

// emptyDefault says how a chart gets a value that has no default: required
// (no render without it), generated (two renders differ), or "" when
// neither can be told.
func emptyDefault(k *secretKey, render func(map[string]string) (map[string]string, error), ch *chart.Chart) string {
	// The other values as given: they rendered (a required one with its
	// placeholder, renderRequiringSecrets).
	over := map[string]string{k.dotted: ""}
	first, err := render(over)
	if err != nil {
		return inventory.ChartValueRequired
	}
	second, err := render(over)
	if err != nil {
		return ""
	}
	for _, d := range k.docs {
		if docAt(first, d) != docAt(second, d) {
			for _, t := range ch.Templates {
				if bytes.Contains(t.Data, []byte("lookup")) {
					return inventory.ChartValueGenerated
				}
			}
			return inventory.ChartValueRegenerated
		}
	}
	return ""
}

// secretKeys lists the secret-looking keys of the chart's defaults and the
// given values (maps only, not lists), sorted, at most maxSentinelKeys.
func secretKeys(defaults, given map[string]any) []*secretKey {
	seen := map[string]*secretKey{}
	var walk func(m map[string]any, path []string, depth int)
	walk = func(m map[string]any, path []string, depth int) {
		if depth > 8 {
			return
		}
		var sibling []string
		for name := range m {
			if existingSecretKey.MatchString(name) {
				sibling = append(append([]string{}, path...), name)
			}
		}
		for name, v := range m {
			p := append(append([]string{}, path...), name)
			if sub, ok := v.(map[string]any); ok {
				walk(sub, p, depth+1)
				continue
			}
			if strings.Contains(name, ".") || existingSecretKey.MatchString(name) || !secrets.SecretName(name) {
				continue
			}
			switch v.(type) {
			case nil, string, int, int64, float64, bool:
			default:
				continue
			}
			dotted := strings.Join(p, ".")
			if seen[dotted] == nil {
				seen[dotted] = &secretKey{path: p, dotted: dotted, sibling: sibling}
			}
		}
	}
	walk(defaults, nil, 0)
	walk(given, nil, 0)
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) > maxSentinelKeys {
		names = names[:maxSentinelKeys]
	}
	keys := make([]*secretKey, len(names))
	for i, n := range names {
		keys[i] = seen[n]
		// Lower-case letters and digits: a value a name pattern or a
		// length check in a values schema accepts.
		keys[i].a = fmt.Sprintf("kwsentinela%04dq", i)
		keys[i].b = fmt.Sprintf("kwsentinelb%04dq", i)
	}
	return keys
}

// changed is a document that differs between two renders.
type changed struct {
	ref  docRef
	a, b string
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*(#.*)?$`)

func splitDocs(s string) []string { return docSeparator.Split(s, -1) }

func docAt(out map[string]string, d docRef) string {
	docs := splitDocs(out[d.file])
	if d.i < len(docs) {
		return docs[d.i]
	}
	return ""
}

// changedDocs lists the documents of a that differ in b, by template and
// position.
func changedDocs(a, b map[string]string) []changed {
	names := make([]string, 0, len(a))
	for n := range a {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []changed
	for _, n := range names {
		if a[n] == b[n] {
			continue
		}
		da, db := splitDocs(a[n]), splitDocs(b[n])
		for i := range da {
			other := ""
			if i < len(db) {
				other = db[i]
			}
			if da[i] != other {
				out = append(out, changed{docRef{n, i}, da[i], other})
			}
		}
	}
	return out
}

// attribute finds, in every document that changed from a to b, the keys
// whose sentinel (or its base64) it holds, and where: a Secret, a
// ConfigMap, or a secret-looking env var. It reports whether a changed
// Secret or ConfigMap held no sentinel.
func attribute(keys []*secretKey, a, b map[string]string) bool {
	unexplained := false
	for _, d := range changedDocs(a, b) {
		kind, name := kindName(d.a)
		found := false
		for _, k := range keys {
			if !strings.Contains(d.a, k.a) && !strings.Contains(d.a, base64.StdEncoding.EncodeToString([]byte(k.a))) {
				continue
			}
			switch kind {
			case "Secret", "ConfigMap":
				k.flows = appendUnique(k.flows, kind+"/"+name)
				k.docs = append(k.docs, d.ref)
				found = true
			default:
				for _, env := range secretEnv(d.a, k.a) {
					k.flows = appendUnique(k.flows, kind+"/"+name+" env "+env)
					k.docs = append(k.docs, d.ref)
					found = true
				}
			}
		}
		if !found && (kind == "Secret" || kind == "ConfigMap") {
			unexplained = true
		}
	}
	return unexplained
}

func kindName(doc string) (string, string) {
	var head struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	}
	if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
		return "", ""
	}
	return head.Kind, head.Metadata.Name
}

// secretEnv lists the secret-looking env vars of a rendered document whose
// value holds the sentinel.
func secretEnv(doc, sentinel string) []string {
	var root any
	if yaml.Unmarshal([]byte(doc), &root) != nil {
		return nil
	}
	var out []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 32 {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			name, _ := t["name"].(string)
			value, _ := t["value"].(string)
			if name != "" && strings.Contains(value, sentinel) && secrets.SecretName(name) {
				out = appendUnique(out, name)
			}
			for _, x := range t {
				walk(x, depth+1)
			}
		case []any:
			for _, x := range t {
				walk(x, depth+1)
			}
		}
	}
	walk(root, 0)
	return out
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func copyValues(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = copyValues(sub)
		}
		out[k] = v
	}
	return out
}

func setPath(m map[string]any, path []string, v string) {
	for _, p := range path[:len(path)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[path[len(path)-1]] = v
}

func lookupPath(m map[string]any, path []string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// chartValuesTree is the chart's defaults under the given values.
func chartValuesTree(ch *chart.Chart, given map[string]any) map[string]any {
	v, err := chartutil.CoalesceValues(ch, copyValues(given))
	if err != nil {
		return given
	}
	return v
}

func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

// setValues are the values --set gives; fileValues those of the --values
// files. Helm has parsed both already, so errors cannot happen here.
func setValues(set []string) map[string]any {
	v, _ := (&values.Options{Values: set}).MergeValues(getter.Providers{})
	return v
}

func fileValues(files []string) map[string]any {
	v, _ := (&values.Options{ValueFiles: files}).MergeValues(getter.Providers{})
	return v
}

func redactSentinels(s string, keys []*secretKey) string {
	for _, k := range keys {
		s = strings.ReplaceAll(strings.ReplaceAll(s, k.a, "<sentinel>"), k.b, "<sentinel>")
	}
	return s
}

// chartValueDocs gathers the ChartValue documents of one chart.
type chartValueDocs struct {
	chart string
	docs  []*inventory.ChartValue
}

func (c *chartValueDocs) add(dir string, valsAt *chartValues, cv *inventory.ChartValue, at []string) {
	cv.APIVersion = inventory.ChartValueGroup + "/v1"
	cv.Kind = inventory.ChartValueKind
	cv.Chart = c.chart
	cv.Name = c.chart + ":" + cv.Key
	cv.ValuesFile, cv.Line = valuesLineOf(dir, valsAt, at)
	c.docs = append(c.docs, cv)
}

// files renders the documents as one JSON stream, each object located at
// its values file line.
func (c *chartValueDocs) files(dir string) []renderedFile {
	if len(c.docs) == 0 {
		return nil
	}
	var buf bytes.Buffer
	for _, d := range c.docs {
		data, err := json.Marshal(d)
		if err != nil {
			continue
		}
		buf.Write(data)
		buf.WriteByte('\n')
	}
	fix := func(objs []*inventory.Object, _ document) {
		for _, o := range objs {
			cv, ok := o.Typed.(*inventory.ChartValue)
			if !ok || cv.ValuesFile == "" {
				continue
			}
			line := cv.Line
			o.File, o.Line = cv.ValuesFile, line
			o.Locate = func(string) int { return line }
		}
	}
	return []renderedFile{{name: dir + "/values.yaml", data: buf.Bytes(), fix: fix}}
}

// valuesLineOf finds the last values file (values.yaml, then the --values
// files in order) that defines the key, and the key's line there.
func valuesLineOf(dir string, valsAt *chartValues, path []string) (string, int) {
	file, line := "", 0
	if valsAt != nil {
		for _, f := range valsAt.files {
			if f.root == nil {
				continue
			}
			if l := keyLine(f.root, path); l > 0 {
				file, line = f.name, l
			}
		}
	}
	if file == "" {
		return dir + "/values.yaml", 0
	}
	return file, line
}

func keyLine(n *yaml.Node, path []string) int {
	line := 0
	for _, p := range path {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		if n.Kind != yaml.MappingNode {
			return 0
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				line, next = n.Content[i].Line, n.Content[i+1]
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return line
}

// renderRequiringSecrets renders a chart that failed to render, with every
// secret-looking key that has no value set to a placeholder: a chart that
// `required`s its passwords renders then, and the analysis reports them as
// required (the render fails without them). It returns the values used.
// The placeholder reads as a variable reference (${KUBEWARD_REQUIRED_0}),
// which the literal-secret checks do not take for a secret.
func renderRequiringSecrets(ch *chart.Chart, vals map[string]any, ns string) (map[string]string, map[string]any, bool) {
	keys := secretKeys(ch.Values, vals)
	if len(keys) == 0 {
		return nil, nil, false
	}
	final := chartValuesTree(ch, vals)
	v := copyValues(vals)
	n := 0
	for i, k := range keys {
		if scalarText(lookupPath(final, k.path)) == "" {
			setPath(v, k.path, fmt.Sprintf("${KUBEWARD_REQUIRED_%d}", i))
			n++
		}
	}
	if n == 0 {
		return nil, nil, false
	}
	rv, err := chartutil.ToRenderValues(ch, v, common.ReleaseOptions{Name: "release", Namespace: ns, Revision: 1, IsInstall: true}, nil)
	if err != nil {
		return nil, nil, false
	}
	out, err := engine.Render(ch, rv)
	if err != nil {
		return nil, nil, false
	}
	return out, v, true
}

// ReadValuesFile reads a values file as the loader does: a regular file,
// up to the document size limit.
func ReadValuesFile(p string) ([]byte, error) { return readRegularFile(p, MaxDocumentBytes) }
