package report

import (
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
)

// Build is the version and commit of the running binary.
type Build struct {
	Version string // the -ldflags version, else the module version Go stamped, else "dev"
	Commit  string // the VCS revision Go stamped (12 hex digits, "+dirty" when modified), or ""
}

var buildInfo = sync.OnceValue(func() (b Build) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	var rev string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && dirty {
		rev += "+dirty"
	}
	b.Commit = rev
	return b
})

// BuildOf returns the build of the running binary, with version (the CLI's
// -ldflags version) preferred over the module version Go stamped when it is
// set to something other than "dev".
func BuildOf(version string) Build {
	b := buildInfo()
	if version != "" && version != "dev" {
		b.Version = version
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// InputError is an input that could not be read: the file and line when the
// message names them.
type InputError struct {
	File    string
	Line    int
	Message string
}

var (
	fileLineRE     = regexp.MustCompile(`^([^:\s][^:]*):(\d+): (.*)$`)
	fileLineWordRE = regexp.MustCompile(`^([^:\s][^:]*): line (\d+): (.*)$`)
	fileRE         = regexp.MustCompile(`^([^:\s][^:]*\.(?:ya?ml|json|tgz|tar\.gz)|<stdin>|-): (.*)$`)
)

// ParseInputError splits "file:line: message" (and "file: line N: message",
// "file.yaml: message") into its parts; other messages keep no file.
func ParseInputError(s string) InputError {
	if m := fileLineRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[2])
		return InputError{File: m[1], Line: n, Message: m[3]}
	}
	if m := fileLineWordRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[2])
		return InputError{File: m[1], Line: n, Message: m[3]}
	}
	if m := fileRE.FindStringSubmatch(s); m != nil {
		return InputError{File: m[1], Message: m[2]}
	}
	return InputError{Message: strings.TrimSpace(s)}
}

// inputErrors parses the run's input errors.
func (r *Run) inputErrors() []InputError {
	out := make([]InputError, 0, len(r.Errors))
	for _, e := range r.Errors {
		out = append(out, ParseInputError(e))
	}
	return out
}
