package check_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/kubeward/kubeward/"

// allowedImport says whether a package under internal/check may import
// path: of this module only the catalogue, the configuration, the
// inventory, results and the check tree itself; no command runner.
// Checks judge facts; sources gather them (DESIGN.md, "Rules that keep it
// so").
func allowedImport(path string) bool {
	if path == "os/exec" {
		return false
	}
	if !strings.HasPrefix(path, module) {
		return true // the standard library and third-party libraries
	}
	rel := strings.TrimPrefix(path, module)
	for _, ok := range []string{"internal/catalog", "internal/config", "internal/inventory", "internal/result", "internal/check"} {
		if rel == ok || strings.HasPrefix(rel, ok+"/") {
			return true
		}
	}
	return false
}

// TestImportRule: internal/check/... imports only catalog, config,
// inventory, result and check (plus the standard library and third-party
// libraries). Test files may use sources to build fixtures.
func TestImportRule(t *testing.T) {
	found := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Join("internal/check", filepath.Dir(p)))
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if allowedImport(path) {
				continue
			}
			found[pkg+" imports "+strings.TrimPrefix(path, module)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for k := range found {
		bad = append(bad, k)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: checks read only the inventory; gather the fact in internal/source and put it in internal/inventory", b)
	}
}

func TestAllowedImport(t *testing.T) {
	for path, want := range map[string]bool{
		"strings": true, "k8s.io/api/core/v1": true, "os/exec": false,
		module + "internal/inventory": true, module + "internal/check/pss": true, module + "internal/catalog": true,
		module + "internal/source/host": false, module + "internal/report": false, module + "internal/cli": false,
		module + "internal/checkers": false,
	} {
		if got := allowedImport(path); got != want {
			t.Errorf("allowedImport(%q) = %v, want %v", path, got, want)
		}
	}
}
