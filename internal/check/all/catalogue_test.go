package all_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/catalog"
	"github.com/kubeward/kubeward/internal/check"
)

// root is the module root, from this package's directory.
const root = "../../.."

// TestCatalogueFindsSpecLogicAndTests walks the catalogue and finds, for
// each entry, its spec and logic, the file that holds it, and a test in
// that file's package naming the check (its ID or the constant bound to
// it).
func TestCatalogueFindsSpecLogicAndTests(t *testing.T) {
	tests := map[string]string{} // package dir -> its _test.go files, concatenated
	testsOf := func(dir string) string {
		if s, ok := tests[dir]; ok {
			return s
		}
		var b strings.Builder
		files, _ := filepath.Glob(filepath.Join(root, dir, "*_test.go"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(data)
		}
		tests[dir] = b.String()
		return tests[dir]
	}
	for _, e := range catalog.All() {
		t.Run(e.ID, func(t *testing.T) {
			dir := filepath.Dir(e.LivesIn)
			s := check.SpecOf(e.ID)
			switch {
			case s == nil:
				t.Fatalf("no check.Spec registers it (it lives in %s)", e.LivesIn)
			case s != nil && s.Where != e.LivesIn:
				t.Errorf("catalogue says it lives in %s, its spec %s", e.LivesIn, s.Where)
			case s != nil && s.Object == nil && s.Policy == nil && s.Node == nil && !noLogic[e.ID]:
				t.Errorf("its spec has no logic")
			}
			src, err := os.ReadFile(filepath.Join(root, e.LivesIn))
			if err != nil {
				t.Fatalf("lives in %s: %v", e.LivesIn, err)
			}
			names := []string{regexp.QuoteMeta(e.ID)}
			for _, m := range regexp.MustCompile(`(\w+)\s*=\s*"`+regexp.QuoteMeta(e.ID)+`"`).FindAllStringSubmatch(string(src)+constsOf(t, dir), -1) {
				names = append(names, `\b`+m[1]+`\b`)
			}
			if !regexp.MustCompile(strings.Join(names, "|")).MatchString(testsOf(dir)) {
				t.Errorf("no test in %s names it (%s)", dir, strings.Join(names, ", "))
			}
		})
	}
}

// noLogic are the checks whose results are made from facts gathered
// outside the engine (a refused list, an etcd read, the node reports of
// scan cluster --nodes): their package exports the function that makes the
// result.
var noLogic = map[string]bool{"KW-CL-000": true, "KW-CL-009": true, "KW-CL-090": true}

var sources = map[string]string{}

// constsOf is the non-test source of a package, where check IDs are bound
// to constants.
func constsOf(t *testing.T, dir string) string {
	if s, ok := sources[dir]; ok {
		return s
	}
	var b strings.Builder
	defer func() { sources[dir] = b.String() }()
	files, _ := filepath.Glob(filepath.Join(root, dir, "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

// TestOneRegistrationPath: check.Register is the only way into the
// catalogue — no source file outside internal/check/spec.go calls
// catalog.Register.
func TestOneRegistrationPath(t *testing.T) {
	fset := token.NewFileSet()
	var callers []string
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if ok && sel.Sel.Name == "Register" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "catalog" {
						callers = append(callers, filepath.ToSlash(rel))
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	found := false
	for _, c := range callers {
		if c == "internal/check/spec.go" {
			found = true
			continue
		}
		t.Errorf("%s calls catalog.Register: register a check.Spec instead", c)
	}
	if !found {
		t.Error("internal/check/spec.go no longer calls catalog.Register: this test looks for the wrong call")
	}
}
