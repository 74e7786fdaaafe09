package inventory

import "testing"

// LocateFile's file and line win over Locate; "" names the object's file;
// a line of 0 falls back to Locate.
func TestLocationPrefersLocateFile(t *testing.T) {
	o := Object{File: "chart/templates/d.yaml", Origin: "helm template chart",
		Locate: func(string) int { return 12 },
		LocateFile: func(p string) (string, int) {
			switch p {
			case "spec.image":
				return "chart/values.yaml", 3
			case "spec.name":
				return "", 7
			}
			return "", 0
		}}
	for path, want := range map[string]struct {
		file string
		line int
	}{
		"spec.image":    {"chart/values.yaml", 3},
		"spec.name":     {"chart/templates/d.yaml", 7},
		"spec.replicas": {"chart/templates/d.yaml", 12},
	} {
		l := o.Location(path)
		if l.File != want.file || l.Line != want.line || l.Origin != "helm template chart" || l.Path != path {
			t.Errorf("Location(%q) = %+v, want %s:%d", path, l, want.file, want.line)
		}
	}
}
