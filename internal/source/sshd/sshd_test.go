package sshd

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
)

// mapFiles is an in-memory configuration tree.
type mapFiles map[string]string

func (m mapFiles) ReadFile(name string) ([]byte, error) {
	if s, ok := m[name]; ok {
		return []byte(s), nil
	}
	return nil, fs.ErrNotExist
}

func (m mapFiles) Glob(pattern string) ([]string, error) {
	var out []string
	for name := range m {
		ok, err := path.Match(pattern, name)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func TestSplitLine(t *testing.T) {
	cases := []struct {
		line, kw string
		args     []string
		ok       bool
	}{
		{"PasswordAuthentication no", "PasswordAuthentication", []string{"no"}, true},
		{"  passwordauthentication=no", "passwordauthentication", []string{"no"}, true},
		{"PasswordAuthentication = no\r", "PasswordAuthentication", []string{"no"}, true},
		{"\tPermitRootLogin\t\"without-password\"", "PermitRootLogin", []string{"without-password"}, true},
		{"AllowUsers a b  # admins", "AllowUsers", []string{"a", "b"}, true},
		{"Banner \"/etc/my banner\" x", "Banner", []string{"/etc/my banner", "x"}, true},
		{"ForceCommand echo a#b", "ForceCommand", []string{"echo", "a#b"}, true},
		{"# PasswordAuthentication yes", "", nil, false},
		{"   ", "", nil, false},
	}
	for _, tc := range cases {
		kw, args, ok := splitLine(tc.line)
		if kw != tc.kw || ok != tc.ok || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("%q: got %q %q %v", tc.line, kw, args, ok)
		}
	}
}

// TestFixtureTrees parses the sshd_config trees under testdata (read
// through host.FS, as on a mounted host) and compares the effective values
// with what the real sshd -T printed for the same files.
func TestFixtureTrees(t *testing.T) {
	type val struct{ value, where string }
	cases := []struct {
		tree    string
		want    map[string]val
		matches []string // "criteria: keyword value @ where"
	}{
		{"debian", map[string]val{
			"passwordauthentication":       {"no", "/etc/ssh/sshd_config.d/10-hardening.conf:2"},
			"permitrootlogin":              {"no", "/etc/ssh/sshd_config.d/10-hardening.conf:3"},
			"kbdinteractiveauthentication": {"no", "/etc/ssh/sshd_config:5"},
			"pubkeyauthentication":         {"no", "/etc/ssh/sshd_config.d/20-late.conf:2"},
		}, nil},
		{"match", map[string]val{
			"passwordauthentication":       {"no", "/etc/ssh/sshd_config:1"},
			"kbdinteractiveauthentication": {"no", "/etc/ssh/sshd_config:2"},
			"permitrootlogin":              {"without-password", "/etc/ssh/sshd_config:3"},
			"pubkeyauthentication":         {"yes", "/etc/ssh/sshd_config:11"},
		}, []string{
			"Group legacy: kbdinteractiveauthentication yes @ /etc/ssh/conf.d/legacy.conf:2",
			"User deploy Address 10.0.0.0/8: passwordauthentication yes @ /etc/ssh/sshd_config:7",
			"User deploy Address 10.0.0.0/8: permitrootlogin yes @ /etc/ssh/sshd_config:8",
		}},
		{"insecure", map[string]val{
			"passwordauthentication":       {"yes", "OpenSSH default"},
			"kbdinteractiveauthentication": {"yes", "OpenSSH default"},
			"permitrootlogin":              {"yes", "/etc/ssh/sshd_config:1"},
			"pubkeyauthentication":         {"no", "/etc/ssh/sshd_config:2"},
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.tree, func(t *testing.T) {
			files := HostFiles{FS: &host.FS{Root: filepath.Join("testdata", tc.tree)}}
			cfg, err := Load(files, DefaultConfig, nil)
			if err != nil || len(cfg.Problems) > 0 {
				t.Fatalf("load: %v %v", err, cfg.Problems)
			}
			for kw, w := range tc.want {
				v := Resolve(cfg, nil, "", kw)
				if v.Value != w.value || v.From != w.where {
					t.Errorf("%s = %s from %s; want %s from %s", kw, v.Value, v.From, w.value, w.where)
				}
			}
			var got []string
			for _, m := range cfg.Matches {
				seen := map[string]bool{}
				for _, s := range m.Settings {
					if !seen[s.Keyword] { // first value in the block wins
						seen[s.Keyword] = true
						got = append(got, m.Criteria+": "+s.Keyword+" "+s.Value()+" @ "+s.Where())
					}
				}
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, tc.matches) && (len(got) > 0 || len(tc.matches) > 0) {
				t.Errorf("matches:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.matches, "\n"))
			}
		})
	}
}

func TestIncludeAndMatchScopes(t *testing.T) {
	files := mapFiles{
		"/etc/ssh/sshd_config": "Include x.conf\nPasswordAuthentication no\nMatch User foo\n  Include /etc/ssh/y.conf\nMatch all\nPermitRootLogin no\n",
		// A Match in an included file ends with the file.
		"/etc/ssh/x.conf": "Match User bar\nKbdInteractiveAuthentication yes\n",
		// Inside a Match, an included "Match all" stays conditional.
		"/etc/ssh/y.conf": "PubkeyAuthentication no\nMatch all\nUsePAM yes\n",
	}
	cfg, err := Load(files, DefaultConfig, []string{"PermitRootLogin=yes"})
	if err != nil {
		t.Fatal(err)
	}
	if v := Resolve(cfg, nil, "", "PasswordAuthentication"); v.Value != "no" || v.From != "/etc/ssh/sshd_config:2" {
		t.Errorf("password: %+v", v)
	}
	if v := Resolve(cfg, nil, "", "pubkeyauthentication"); v.Value != "yes" || !v.Default {
		t.Errorf("pubkey: %+v", v)
	}
	// -o on the command line is read before the file.
	if v := Resolve(cfg, nil, "", "permitrootlogin"); v.Value != "yes" || v.From != "command line -o" {
		t.Errorf("root: %+v", v)
	}
	if len(cfg.Matches) != 2 || cfg.Matches[0].Criteria != "User bar" || cfg.Matches[1].Criteria != "User foo" {
		t.Fatalf("matches %+v", cfg.Matches)
	}
	if s, ok := cfg.Matches[1].Get("usepam"); !ok || s.File != "/etc/ssh/y.conf" {
		t.Errorf("included Match all must stay inside Match User foo: %+v", cfg.Matches[1].Settings)
	}
	if got := strings.Join(cfg.Files, ","); got != "/etc/ssh/sshd_config,/etc/ssh/x.conf,/etc/ssh/y.conf" {
		t.Errorf("files %s", got)
	}
}

func TestIncludeLoopAndMissing(t *testing.T) {
	files := mapFiles{"/etc/ssh/sshd_config": "Include /etc/ssh/sshd_config\nInclude /etc/ssh/missing.d/*.conf\n"}
	cfg, err := Load(files, DefaultConfig, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Problems) == 0 || !strings.Contains(cfg.Problems[0], "nested too deep") {
		t.Errorf("problems %v", cfg.Problems)
	}
	if _, err := Load(files, "/etc/ssh/none", nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing main file: %v", err)
	}
}

func TestParseTAndResolve(t *testing.T) {
	hardened, err := os.ReadFile("testdata/sshd-T-hardened.txt")
	if err != nil {
		t.Fatal(err)
	}
	insecure, err := os.ReadFile("testdata/sshd-T-insecure.txt")
	if err != nil {
		t.Fatal(err)
	}
	// OpenSSH before 8.7 printed challengeresponseauthentication and without-password.
	old := []byte("port 22\npermitrootlogin without-password\npasswordauthentication no\nchallengeresponseauthentication yes\n")
	cfg, _ := Load(mapFiles{DefaultConfig: "PermitRootLogin no\n"}, DefaultConfig, nil)
	cases := []struct {
		name string
		out  []byte
		want map[string]string
	}{
		{"hardened", hardened, map[string]string{"passwordauthentication": "no", "kbdinteractiveauthentication": "no", "permitrootlogin": "no", "pubkeyauthentication": "yes"}},
		{"insecure", insecure, map[string]string{"passwordauthentication": "yes", "kbdinteractiveauthentication": "yes", "permitrootlogin": "yes", "pubkeyauthentication": "no"}},
		{"old", old, map[string]string{"kbdinteractiveauthentication": "yes", "permitrootlogin": "without-password"}},
	}
	for _, tc := range cases {
		tm := ParseT(tc.out)
		for kw, want := range tc.want {
			v := Resolve(cfg, tm, "sshd -T", kw)
			if v.Value != want || v.From != "sshd -T" {
				t.Errorf("%s %s: %+v", tc.name, kw, v)
			}
			// The line is named only when the file says what sshd says.
			if kw == "permitrootlogin" && (v.Line == 1) != (want == "no") {
				t.Errorf("%s %s located at %s:%d", tc.name, kw, v.File, v.Line)
			}
		}
	}
}

func TestParseArgs(t *testing.T) {
	cases := []struct {
		argv  []string
		cfg   string
		named bool
		o     []string
		targs string
	}{
		{[]string{"/usr/sbin/sshd", "-D"}, DefaultConfig, false, nil, ""},
		// A running listener's process title.
		{[]string{"sshd: /usr/sbin/sshd -D -f /tmp/x/cfg -h /tmp/x/hk -p 2222 [listener] 0 of 10-100 startups"}, "/tmp/x/cfg", true, nil, "-f /tmp/x/cfg -h /tmp/x/hk -p 2222"},
		{[]string{"/usr/sbin/sshd", "-Def/etc/ssh/alt", "-oPasswordAuthentication=no", "-o", "PermitRootLogin no", "-4"}, "/etc/ssh/alt", true,
			[]string{"PasswordAuthentication=no", "PermitRootLogin no"}, "-f /etc/ssh/alt -o PasswordAuthentication=no -o PermitRootLogin no -4"},
		{[]string{"sshd", "-D", "--", "-f", "/ignored"}, DefaultConfig, false, nil, ""},
		{[]string{"sshd", "-E", "/var/log/sshd.log", "-f"}, DefaultConfig, false, nil, ""},
	}
	for _, tc := range cases {
		o := ParseArgs(tc.argv)
		if o.ConfigFile != tc.cfg || o.ConfigNamed != tc.named || !reflect.DeepEqual(o.Overrides, tc.o) || strings.Join(o.TArgs, " ") != tc.targs {
			t.Errorf("%q: %+v", tc.argv, o)
		}
	}
}

func TestReadSnapshot(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("/etc/ssh/sshd_config", "PasswordAuthentication yes\n")
	f := &host.FS{Root: root}
	e := Read(f, nil, nil)
	if e.T != nil || e.TErr == nil || e.Resolve("passwordauthentication").From != "/etc/ssh/sshd_config:1" {
		t.Errorf("files only: %+v", e)
	}
	insecure, _ := os.ReadFile("testdata/sshd-T-insecure.txt")
	e = Read(f, nil, insecure)
	if v := e.Resolve("pubkeyauthentication"); v.Value != "no" || !strings.Contains(v.From, "captured") {
		t.Errorf("captured: %+v", v)
	}
}

func TestOnlyRootIsTrusted(t *testing.T) {
	root := t.TempDir()
	f := &host.FS{Root: root}
	for pid, status := range map[string]string{"10": "Name:\tsshd\nUid:\t0\t0\t0\t0\n", "11": "Name:\tsshd\nUid:\t1000\t1000\t1000\t1000\n", "12": "Name:\tsshd\nUid:\t1000\t0\t0\t0\n"} {
		p := filepath.Join(root, "proc", pid, "status")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(status), 0o444); err != nil {
			t.Fatal(err)
		}
	}
	if !rootProcess(f, 10) || rootProcess(f, 11) || rootProcess(f, 12) || rootProcess(f, 13) {
		t.Error("rootProcess: only pid 10 runs as root")
	}
	prog := filepath.Join(root, "sshd")
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, want := trusted(prog), os.Geteuid() == 0; got != want {
		t.Errorf("trusted(0755 file of uid %d) = %v", os.Geteuid(), got)
	}
	if err := os.Chmod(prog, 0o777); err != nil {
		t.Fatal(err)
	}
	if trusted(prog) {
		t.Error("a world-writable program must not be run")
	}
}

// TestReadLive runs a stand-in sshd (a script) the way the live audit runs
// the real one: with -T and the listener's own options.
func TestReadLive(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the stand-in program must be owned by root to be run")
	}
	dir := t.TempDir()
	hardened, err := os.ReadFile("testdata/sshd-T-hardened.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sshd-T.txt")
	if err := os.WriteFile(out, hardened, 0o644); err != nil {
		t.Fatal(err)
	}
	argsFile := filepath.Join(dir, "args")
	script := filepath.Join(dir, "sshd")
	body := "#!/bin/sh\necho \"$@\" > " + argsFile + "\ncase \"$*\" in *broken*) echo 'Missing privilege separation directory: /run/sshd' >&2; exit 255;; esac\ncat " + out + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte("PasswordAuthentication yes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &host.FS{Root: "/"}
	c := &inventoryComponent{script, "-D", "-f", cfg, "-h", "/etc/ssh/key", "-E", "/var/log/x", "-o", "PermitRootLogin=no"}
	e := Read(f, c.component(), nil)
	if e.TErr != nil {
		t.Fatal(e.TErr)
	}
	args, _ := os.ReadFile(argsFile)
	if want := "-T -f " + cfg + " -h /etc/ssh/key -o PermitRootLogin=no\n"; string(args) != want {
		t.Errorf("sshd ran with %q, want %q", args, want)
	}
	// sshd's answer wins over the file, which is not pointed at.
	if v := e.Resolve("PasswordAuthentication"); v.Value != "no" || !strings.HasPrefix(v.From, script+" -T -f "+cfg) || v.Line != 0 {
		t.Errorf("%+v", v)
	}
	c2 := &inventoryComponent{script, "-D", "-f", cfg, "-o", "Banner=broken"}
	e = Read(f, c2.component(), nil)
	if e.T != nil || e.TErr == nil || !strings.Contains(e.TErr.Error(), "Missing privilege separation directory") {
		t.Errorf("failing sshd -T: %+v", e)
	}
	if v := e.Resolve("PasswordAuthentication"); v.Value != "yes" || v.From != cfg+":1" {
		t.Errorf("fallback: %+v", v)
	}
}

type inventoryComponent []string

func (a inventoryComponent) component() *inventory.Component {
	return &inventory.Component{Kind: host.SSHD, Source: "systemd unit", Args: a}
}
