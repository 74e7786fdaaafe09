package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/check"
	"github.com/kubeward/kubeward/internal/harden"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/manifest"
)

// copyTree copies src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// automaticIDs are the checks with an automatic fix.
func automaticIDs() map[string]bool {
	out := map[string]bool{}
	for _, s := range check.Specs() {
		if s.Fix.Automatic() {
			out[s.ID] = true
		}
	}
	return out
}

// fixableFails are the FAILs of a scan of path that have an automatic fix.
func fixableFails(t *testing.T, path string) []string {
	t.Helper()
	_, out, errb := run(t, "", "scan", "manifests", path, "-o", "json")
	var rep jsonOut
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("scan: %v\n%s", err, errb)
	}
	auto := automaticIDs()
	var left []string
	for _, r := range rep.Results {
		if r.Status == "FAIL" && auto[r.ID] {
			left = append(left, r.ID+" "+r.Subject.Kind+"/"+r.Subject.Name)
		}
	}
	return left
}

func mtimes(t *testing.T, dir string) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, _ := d.Info()
			out[p] = info.ModTime()
		}
		return nil
	})
	return out
}

// removedLine matches the lines a fix may take out or replace: the fixed
// fields, and the lines of a removed volume or mount.
var removedLine = regexp.MustCompile(`^\s*(- )?(privileged|hostNetwork|hostPID|hostIPC|hostPort|runAsUser|runAsGroup|runAsNonRoot|allowPrivilegeEscalation|readOnlyRootFilesystem|add|drop|fsGroup|supplementalGroups|serviceAccountName|serviceAccount|automountServiceAccountToken|type|securityContext|resources|capabilities|name|mountPath|mountPropagation|readOnly|hostPath|path|volumes|volumeMounts|[A-Z_]+)(:|$)`)

// checkDiffTouchesOnlyFixedFields fails on a removed line that is not a
// fixed field, and on a changed comment.
func checkDiffTouchesOnlyFixedFields(t *testing.T, diff string) {
	t.Helper()
	for _, l := range strings.Split(diff, "\n") {
		if !strings.HasPrefix(l, "-") || strings.HasPrefix(l, "---") {
			continue
		}
		body := strings.TrimPrefix(l, "-")
		if strings.Contains(body, "#") && !strings.Contains(body, "hostIPC") && !strings.Contains(body, "securityContext: {}") && !strings.Contains(body, "resources: {}") {
			t.Errorf("a comment line changed: %q", l)
		}
		if !removedLine.MatchString(body) {
			t.Errorf("the diff removes a line that is not a fixed field: %q", l)
		}
	}
}

func TestHardenManifestsGolden(t *testing.T) {
	for _, tc := range []struct{ name, src string }{
		{"insecure", "../../examples/insecure"},
		{"fixtures", "testdata/harden/fixtures"},
		{"kube-prometheus", "../../testdata/corpora/kube-prometheus/manifests"},
		{"microservices-demo", "../../testdata/corpora/microservices-demo/release"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, err := filepath.Abs(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			golden, _ := filepath.Abs(filepath.Join("testdata", "harden", tc.name+".diff"))
			tmp := t.TempDir()
			t.Chdir(tmp)
			copyTree(t, src, tc.name)
			if len(fixableFails(t, tc.name)) == 0 {
				t.Fatal("the input has nothing to fix")
			}
			before := mtimes(t, tc.name)
			code, diff, errb := run(t, "", "harden", "manifests", "--lang", "en", tc.name)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if !strings.Contains(errb, "nothing was written") {
				t.Errorf("stderr: %s", errb)
			}
			if !maps(before, mtimes(t, tc.name)) {
				t.Fatal("the default run changed files")
			}
			if *update {
				if err := os.WriteFile(golden, []byte(diff), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if diff != string(want) {
				t.Errorf("the diff differs from %s (rerun with -update and read it):\n%s", golden, diff)
			}
			checkDiffTouchesOnlyFixedFields(t, diff)

			code, diff2, errb := run(t, "", "harden", "manifests", "--lang", "en", "--write", tc.name)
			if code != 0 || diff2 != diff {
				t.Fatalf("--write: exit %d, same diff %v: %s", code, diff2 == diff, errb)
			}
			after := mtimes(t, tc.name)
			changed := map[string]bool{}
			for _, l := range strings.Split(diff, "\n") {
				if strings.HasPrefix(l, "+++ b/") {
					changed[strings.TrimPrefix(l, "+++ b/")] = true
				}
			}
			for p, m := range before {
				if changed[filepath.ToSlash(p)] {
					orig, err := os.ReadFile(p + ".orig")
					old, _ := os.ReadFile(filepath.Join(src, strings.TrimPrefix(p, tc.name+string(filepath.Separator))))
					if err != nil || !bytes.Equal(orig, old) {
						t.Errorf("%s: no backup with the old content: %v", p, err)
					}
					continue
				}
				if !after[p].Equal(m) {
					t.Errorf("%s has no fix but was rewritten", p)
				}
			}
			if left := fixableFails(t, tc.name); len(left) > 0 {
				t.Errorf("FAILs with an automatic fix left after --write: %v", left)
			}
			// Idempotent: a second run finds nothing and touches nothing.
			again := mtimes(t, tc.name)
			code, diff3, errb := run(t, "", "harden", "manifests", "--lang", "en", "--write", tc.name)
			if code != 0 || diff3 != "" {
				t.Errorf("second run: exit %d, diff:\n%s%s", code, diff3, errb)
			}
			if !maps(again, mtimes(t, tc.name)) {
				t.Error("the second run rewrote files")
			}
		})
	}
}

func maps(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !b[k].Equal(v) {
			return false
		}
	}
	return true
}

// TestHardenManifestsCRLF: a file with CRLF line ends is edited with CRLF.
func TestHardenManifestsCRLF(t *testing.T) {
	lf, err := os.ReadFile("testdata/harden/fixtures/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	for _, d := range []string{"lf", "crlf"} {
		if err := os.MkdirAll(filepath.Join(tmp, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, "lf", "app.yaml"), lf, 0o644); err != nil {
		t.Fatal(err)
	}
	crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
	if err := os.WriteFile(filepath.Join(tmp, "crlf", "app.yaml"), crlf, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"lf", "crlf"} {
		if code, _, errb := run(t, "", "harden", "manifests", "--write", filepath.Join(tmp, d)); code != 0 {
			t.Fatalf("%s: exit %d: %s", d, code, errb)
		}
	}
	a, _ := os.ReadFile(filepath.Join(tmp, "lf", "app.yaml"))
	b, _ := os.ReadFile(filepath.Join(tmp, "crlf", "app.yaml"))
	if bytes.Equal(a, lf) {
		t.Fatal("nothing fixed")
	}
	if !bytes.Equal(bytes.ReplaceAll(a, []byte("\n"), []byte("\r\n")), b) {
		t.Fatalf("the CRLF file was not edited as the LF one with CRLF ends:\n%q", b)
	}
}

func TestHardenManifestsBadInput(t *testing.T) {
	tmp := t.TempDir()
	good, _ := os.ReadFile("testdata/harden/fixtures/job.yaml")
	bad := []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: [x\nspec:\n  hostPID: true\n")
	write := func(name string, data []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gp, bp := write("in/good.yaml", good), write("in/bad.yaml", bad)

	t.Run("a file that does not parse is named and left alone", func(t *testing.T) {
		code, _, errb := run(t, "", "harden", "manifests", "--write", filepath.Join(tmp, "in"))
		if code != ExitUsage || !strings.Contains(errb, "bad.yaml:") || !strings.Contains(errb, "left alone") {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if b, _ := os.ReadFile(bp); !bytes.Equal(b, bad) {
			t.Error("the bad file changed")
		}
		if g, _ := os.ReadFile(gp); bytes.Equal(g, good) {
			t.Error("the good file beside it was not fixed")
		}
	})
	t.Run("an existing backup is never overwritten", func(t *testing.T) {
		p := write("b/job.yaml", good)
		write("b/job.yaml.orig", []byte("mine"))
		code, _, errb := run(t, "", "harden", "manifests", "--write", p)
		if code != ExitUsage || !strings.Contains(errb, "already exists") {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if b, _ := os.ReadFile(p); !bytes.Equal(b, good) {
			t.Error("the file changed without a backup")
		}
		if b, _ := os.ReadFile(p + ".orig"); string(b) != "mine" {
			t.Error("the backup was overwritten")
		}
	})
	t.Run("--backup-dir", func(t *testing.T) {
		p := write("c/job.yaml", good)
		bd := filepath.Join(tmp, "backups")
		if code, _, errb := run(t, "", "harden", "manifests", "--write", "--backup-dir", bd, p); code != 0 {
			t.Fatalf("exit %d: %s", code, errb)
		}
		b, err := os.ReadFile(filepath.Join(bd, backupName(p)+".orig"))
		if err != nil || !bytes.Equal(b, good) {
			t.Fatalf("backup: %v", err)
		}
	})
	t.Run("a file changed since it was read is not overwritten", func(t *testing.T) {
		p := write("d/job.yaml", []byte("changed meanwhile\n"))
		err := writeWithBackup(p, good, []byte("new"), "")
		if err == nil || !strings.Contains(err.Error(), "changed since kubeward read it") {
			t.Fatalf("err %v", err)
		}
		if b, _ := os.ReadFile(p); string(b) != "changed meanwhile\n" {
			t.Error("overwritten")
		}
	})
	t.Run("--write on a chart is refused with the hint", func(t *testing.T) {
		code, _, errb := run(t, "", "harden", "manifests", "--write", "../../testdata/corpora/microservices-demo/helm-chart")
		if code != ExitUsage || !strings.Contains(errb, "post-render") || !strings.Contains(errb, "--out") {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
	t.Run("an anchor is not spliced: the object becomes a patch", func(t *testing.T) {
		p := write("e/anchor.yaml", []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: r/a:1\n    securityContext: &sc\n      privileged: true\n"))
		code, out, errb := run(t, "", "harden", "manifests", "--write", p)
		if code != ExitUsage || !strings.Contains(out, "# kubeward: patch for Pod default/p") || !strings.Contains(out, "anchor") || !strings.Contains(errb, "--out DIR") {
			t.Fatalf("exit %d: %s\n%s", code, out, errb)
		}
		if _, err := os.Stat(p + ".orig"); err == nil {
			t.Error("a backup was written for a file left alone")
		}
	})
}

// TestHardenManifestsPatchSet: a chart's fixes become strategic-merge
// patches that, applied to the rendered objects, leave no FAIL with an
// automatic fix.
func TestHardenManifestsPatchSet(t *testing.T) {
	chart := "../../testdata/corpora/microservices-demo/helm-chart"
	out := filepath.Join(t.TempDir(), "hardened")
	code, _, errb := run(t, "", "harden", "manifests", chart, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(errb, "namespace-") {
		t.Errorf("no namespace layer beside the patches: %s", errb)
	}
	before := mtimes(t, out)
	if code, _, errb := run(t, "", "harden", "manifests", chart, "--out", out); code != 0 || !maps(before, mtimes(t, out)) {
		t.Fatalf("a second run into the same directory: exit %d, files rewritten: %v\n%s", code, !maps(before, mtimes(t, out)), errb)
	}
	k, err := os.ReadFile(filepath.Join(out, "kustomization.yaml"))
	if err != nil || !strings.Contains(string(k), "patches:\n- path: patches/") {
		t.Fatalf("kustomization: %v\n%s", err, k)
	}
	var objs []*inventory.Object
	manifest.Load([]string{chart}, manifest.Options{}, func(o *inventory.Object) { objs = append(objs, o) })
	harden.SortObjects(objs)
	patched := 0
	var after []*inventory.Object
	for _, o := range objs {
		p := filepath.Join(out, "patches", fileStem(o.Kind, o.Namespace, o.Name)+".yaml")
		data, err := os.ReadFile(p)
		if err != nil {
			after = append(after, o)
			continue
		}
		patched++
		orig, err := harden.Tree(o)
		if err != nil {
			t.Fatal(err)
		}
		var patch map[string]any
		if err := yaml.Unmarshal(data, &patch); err != nil {
			t.Fatal(err)
		}
		merged, err := strategicpatch.StrategicMergeMapPatch(orig, patch, o.Typed)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		j, _ := json.Marshal(merged)
		typed := reflect.New(reflect.TypeOf(o.Typed).Elem()).Interface()
		if err := json.Unmarshal(j, typed); err != nil {
			t.Fatal(err)
		}
		h := *o
		h.Typed = typed
		after = append(after, &h)
	}
	if patched == 0 {
		t.Fatal("no patch written")
	}
	entries, _ := os.ReadDir(filepath.Join(out, "resources"))
	for _, e := range entries {
		sa := &corev1.ServiceAccount{}
		data, _ := os.ReadFile(filepath.Join(out, "resources", e.Name()))
		if err := yaml.Unmarshal(data, sa); err != nil || sa.Kind != "ServiceAccount" {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		after = append(after, &inventory.Object{Version: "v1", Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name, Typed: sa})
	}
	eng := check.New(check.Options{})
	for _, o := range after {
		eng.Observe(o)
	}
	auto := automaticIDs()
	var left []string
	for _, r := range eng.Finish().Results {
		if r.Status == "FAIL" && auto[r.ID] {
			left = append(left, r.ID+" "+r.Subject.Name)
		}
	}
	sort.Strings(left)
	if len(left) > 0 {
		t.Errorf("FAILs with an automatic fix left after the patches: %v", left)
	}
}

// TestHardenManifestsKustomizePatchSet: the patch set written for a
// kustomization builds with kustomize (krusty, the library kubectl -k
// uses) on top of that kustomization, and the build has no FAIL with an
// automatic fix; the source files are not touched.
func TestHardenManifestsKustomizePatchSet(t *testing.T) {
	base, err := filepath.Abs("testdata/harden/kustomize/base")
	if err != nil {
		t.Fatal(err)
	}
	before := mtimes(t, base)
	out := filepath.Join(t.TempDir(), "hardened")
	if code, _, errb := run(t, "", "harden", "manifests", base, "--out", out); code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !maps(before, mtimes(t, base)) {
		t.Fatal("the kustomization's files were touched")
	}
	if code, _, errb := run(t, "", "harden", "manifests", "--write", base); code != ExitUsage || !strings.Contains(errb, "--out DIR") {
		t.Fatalf("--write without --out on a kustomization: exit %d: %s", code, errb)
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), out)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", out, err)
	}
	built, err := res.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(built, []byte("kind: ServiceAccount")) || !bytes.Contains(built, []byte("serviceAccountName: api")) {
		t.Fatalf("the build lacks the dedicated ServiceAccount:\n%s", built)
	}
	if left := fixableFailsOf(t, built); len(left) > 0 {
		t.Errorf("FAILs with an automatic fix after kustomize build of the patch set: %v\n%s", left, built)
	}
	if before := fixableFails(t, base); len(before) == 0 {
		t.Fatal("the kustomization has nothing to fix")
	}
}
