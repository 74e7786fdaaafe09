package node

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	udiff "github.com/aymanbagabas/go-udiff"
	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/harden/node/apiconfig"
	"github.com/kubeward/kubeward/internal/harden/node/redact"
	"github.com/kubeward/kubeward/internal/inventory"
)

// RecordKind and RecordVersion identify a `harden node --apply` undo
// record (a `harden cluster --apply` record has another kind; `harden undo`
// dispatches on it).
const (
	RecordKind    = "KubewardNodeFilesRecord"
	RecordVersion = 1
	maxRecordSize = 16 << 20
)

// Record is what `harden node --apply` did to the node's files, enough to
// undo it.
type Record struct {
	Kind    string        `json:"kind"`
	Version int           `json:"version"`
	Host    string        `json:"host"`
	Time    time.Time     `json:"time"`
	Entries []RecordEntry `json:"entries"`
}

// Record actions.
const (
	Created  = "created"  // undo moves the file aside (never deletes it)
	Replaced = "replaced" // undo restores Backup's content
	Mode     = "mode"     // undo restores OldMode (and the owner)
)

// RecordEntry is one file kubeward wrote or changed.
type RecordEntry struct {
	Action string `json:"action"`
	Path   string `json:"path"`
	// Backup is the copy of the file before (Replaced).
	Backup string `json:"backup,omitempty"`
	// SHA256 is what kubeward wrote: undo leaves alone a file changed since.
	SHA256  string      `json:"sha256,omitempty"`
	OldMode os.FileMode `json:"oldMode,omitempty"`
	NewMode os.FileMode `json:"newMode,omitempty"`
	OldUID  int         `json:"oldUID,omitempty"`
	OldGID  int         `json:"oldGID,omitempty"`
	Chown   bool        `json:"chown,omitempty"`
}

// Change is one write --apply makes on the node.
type Change struct {
	Path string
	Data []byte
	Mode os.FileMode // for a new file
	// From is the generated file it comes from.
	From string
}

// Changes are the writes --apply makes on the node: the generated
// configuration files in the config directory, the static pod manifests
// and the kubelet's config file with their patches merged, systemd and
// sshd drop-ins, daemon.json and containerd's registry files. The firewall
// rules, Calico's settings and the audit webhook template are never
// applied: a person loads them (a firewall rule can cut the node off).
// read reads a node file.
func (p *Plan) Changes(read func(string) ([]byte, error)) ([]Change, error) {
	var out []Change
	for _, f := range p.Files {
		target, data := "", f.Data
		switch {
		case f.Path == EncryptionFile || f.Path == AuditPolicyFile || f.Path == AdmissionConfigFile:
			if p.configDir == "" || p.configDir == p.outDir {
				continue // already where the flags name them
			}
			target = joinPath(p.configDir, f.Path)
		case strings.HasPrefix(f.Path, "patches/kubeletconfiguration"):
			for _, cp := range p.Components {
				if cp.Kind == inventory.Kubelet && cp.ConfigFile != "" {
					merged, err := mergeYAML(read, cp.ConfigFile, cp.ConfigPatch)
					if err != nil {
						return nil, err
					}
					if err := apiconfig.ValidateKubeletConfig(merged); err != nil {
						return nil, fmt.Errorf("%s merged with the patch: %w", cp.ConfigFile, err)
					}
					target, data = cp.ConfigFile, merged
				}
			}
		case strings.HasPrefix(f.Path, "patches/"):
			for _, cp := range p.Components {
				if t := patchTargets[cp.Kind]; cp.Source == "static pod" && "patches/"+t+"+strategic.yaml" == f.Path {
					merged, err := mergeStaticPod(read, cp)
					if err != nil {
						return nil, err
					}
					target, data = cp.SourceFile, merged
				}
			}
		case strings.HasPrefix(f.Path, "systemd/"):
			// Only for a unit the node runs the component from.
			if p.systemdUnits[strings.Split(strings.TrimPrefix(f.Path, "systemd/"), ".d/")[0]] {
				target = "/etc/systemd/system/" + strings.TrimPrefix(f.Path, "systemd/")
			}
		case f.Path == "docker/daemon.json":
			target = p.dockerConfig
		case strings.HasPrefix(f.Path, "containerd/"):
			target = strings.TrimPrefix(f.Path, "containerd")
		case f.Path == SSHDDropInFile:
			target = "/etc/ssh/sshd_config.d/" + filepath.Base(f.Path)
		}
		if target != "" {
			out = append(out, Change{Path: target, Data: data, Mode: f.Mode, From: f.Path})
		}
	}
	return out, nil
}

// mergeYAML merges patch into the YAML file at path (maps merge, other
// values replace), as kubeadm merges a KubeletConfiguration patch.
func mergeYAML(read func(string) ([]byte, error), path string, patch map[string]any) ([]byte, error) {
	data, err := read(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return yaml.Marshal(mergeMap(doc, patch))
}

func mergeMap(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		bm, ok1 := v.(map[string]any)
		am, ok2 := out[k].(map[string]any)
		if ok1 && ok2 {
			out[k] = mergeMap(am, bm)
			continue
		}
		out[k] = v
	}
	return out
}

// mergeStaticPod applies the component's patch to its static pod manifest:
// the container's command becomes the new command line (its args go: the
// command holds them), and the new directories are mounted, keyed by name
// and mount path as a strategic merge keys them.
func mergeStaticPod(read func(string) ([]byte, error), cp *ComponentPlan) ([]byte, error) {
	data, err := read(cp.SourceFile)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", cp.SourceFile, err)
	}
	var pod map[string]any
	if err := yaml.Unmarshal(data, &pod); err != nil {
		return nil, fmt.Errorf("%s: %w", cp.SourceFile, err)
	}
	spec, _ := pod["spec"].(map[string]any)
	containers, _ := spec["containers"].([]any)
	if len(containers) == 0 {
		return nil, fmt.Errorf("%s: no containers", cp.SourceFile)
	}
	var ctr map[string]any
	for _, c := range containers {
		if m, ok := c.(map[string]any); ok && (ctr == nil || m["name"] == patchTargets[cp.Kind]) {
			ctr = m
		}
	}
	args := make([]any, len(cp.Args))
	for i, a := range cp.Args {
		args[i] = a
	}
	ctr["command"] = args
	delete(ctr, "args")
	for i, dir := range newDirs(cp) {
		name := fmt.Sprintf("kubeward-%d", i)
		ctr["volumeMounts"] = upsert(ctr["volumeMounts"], "mountPath", dir, map[string]any{"name": name, "mountPath": dir, "readOnly": !strings.Contains(dir, "/log")})
		spec["volumes"] = upsert(spec["volumes"], "name", name, map[string]any{"name": name, "hostPath": map[string]any{"path": dir, "type": "DirectoryOrCreate"}})
	}
	return yaml.Marshal(pod)
}

// upsert adds item to the list unless an element has item's key value.
func upsert(list any, key, val string, item map[string]any) []any {
	l, _ := list.([]any)
	for _, e := range l {
		if m, ok := e.(map[string]any); ok && m[key] == val {
			return l
		}
	}
	return append(l, item)
}

// Diff renders a change against the file's current content, secrets
// masked; the encryption configuration (it holds the key) is not shown.
func Diff(c Change, current []byte, exists bool) string {
	from := "a" + c.Path
	if !exists {
		from = "/dev/null"
	}
	if c.From == EncryptionFile {
		return fmt.Sprintf("--- %s\n+++ b%s\n(new EncryptionConfiguration, mode 0600: it holds the key, not shown)\n", from, c.Path)
	}
	return redact.Text(udiff.Unified(from, "b"+c.Path, string(current), string(c.Data)))
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Apply writes the changes and the file mode fixes, recording each before
// it is made so the record always covers what changed (save writes it).
// An existing file is copied to PATH.kubeward-bak-<unix time> first and
// keeps its mode.
func Apply(changes []Change, fixes []*FileFix, rec *Record, now time.Time, save func(*Record) error) error {
	stamp := fmt.Sprint(now.Unix())
	for _, c := range changes {
		e := RecordEntry{Action: Created, Path: c.Path, SHA256: hash(c.Data), NewMode: c.Mode}
		mode := c.Mode
		if st, err := os.Stat(c.Path); err == nil {
			if !st.Mode().IsRegular() {
				return fmt.Errorf("%s is not a regular file", c.Path)
			}
			e.Action, e.Backup, mode = Replaced, c.Path+".kubeward-bak-"+stamp, st.Mode().Perm()
			if err := copyFile(c.Path, e.Backup, mode); err != nil {
				return err
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		rec.Entries = append(rec.Entries, e)
		if err := save(rec); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(c.Path), 0o755); err != nil {
			return err
		}
		if err := writeAtomic(c.Path, c.Data, mode); err != nil {
			return err
		}
	}
	for _, f := range fixes {
		st, err := os.Stat(f.Path)
		if err != nil {
			return err
		}
		e := RecordEntry{Action: Mode, Path: f.Path, OldMode: st.Mode().Perm(), NewMode: st.Mode().Perm(), Chown: f.Chown}
		if f.Mode != 0 {
			e.NewMode = f.Mode
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			e.OldUID, e.OldGID = int(sys.Uid), int(sys.Gid)
		}
		rec.Entries = append(rec.Entries, e)
		if err := save(rec); err != nil {
			return err
		}
		if err := os.Chmod(f.Path, e.NewMode); err != nil {
			return err
		}
		if f.Chown {
			if err := os.Chown(f.Path, 0, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".kubeward-tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// SaveRecord writes rec to file (0600).
func SaveRecord(file string, rec *Record) error {
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(file, append(data, '\n'), 0o600)
}

// ParseRecord reads a record; anything else is an error naming what is
// wrong.
func ParseRecord(data []byte) (*Record, error) {
	if len(data) > maxRecordSize {
		return nil, fmt.Errorf("record larger than %d bytes", maxRecordSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	rec := &Record{}
	if err := dec.Decode(rec); err != nil {
		return nil, fmt.Errorf("not a node record: %w", err)
	}
	if rec.Kind != RecordKind || rec.Version != RecordVersion {
		return nil, fmt.Errorf("kind %q version %d: want %s version %d", rec.Kind, rec.Version, RecordKind, RecordVersion)
	}
	for i, e := range rec.Entries {
		if !filepath.IsAbs(e.Path) || filepath.Clean(e.Path) != e.Path {
			return nil, fmt.Errorf("entries[%d]: path %q is not a clean absolute path", i, e.Path)
		}
		switch e.Action {
		case Created, Mode:
		case Replaced:
			stamp, ok := strings.CutPrefix(e.Backup, e.Path+".kubeward-bak-")
			if !ok || stamp == "" || strings.Trim(stamp, "0123456789") != "" {
				return nil, fmt.Errorf("entries[%d]: backup %q is not beside %s", i, e.Backup, e.Path)
			}
		default:
			return nil, fmt.Errorf("entries[%d]: unknown action %q", i, e.Action)
		}
		if e.NewMode&^0o7777 != 0 || e.OldMode&^0o7777 != 0 {
			return nil, fmt.Errorf("entries[%d]: mode out of range", i)
		}
	}
	return rec, nil
}

// RecordKindOf reads only a record's kind (for `harden undo` to dispatch).
func RecordKindOf(data []byte) string {
	var k struct {
		Kind string `json:"kind"`
	}
	_ = json.Unmarshal(data, &k)
	return k.Kind
}

// UndoStep is what undo does, or refuses to do, to one file.
type UndoStep struct {
	Entry   RecordEntry
	Do      string // "restore", "move aside", "chmod", "skip"
	Refused string // why a changed file is left alone
}

// Undo reverts rec's entries, last first. A file that changed since
// kubeward wrote it is left alone (Refused) unless force. Nothing is
// deleted: a file kubeward created is moved aside to
// PATH.kubeward-undone-<unix time>.
func Undo(rec *Record, force, dryRun bool, now time.Time) ([]UndoStep, error) {
	var steps []UndoStep
	for i := len(rec.Entries) - 1; i >= 0; i-- {
		e := rec.Entries[i]
		s := UndoStep{Entry: e}
		switch e.Action {
		case Created, Replaced:
			cur, err := os.ReadFile(e.Path)
			switch {
			case errors.Is(err, os.ErrNotExist) && e.Action == Created:
				s.Do = "skip"
			case err != nil && !errors.Is(err, os.ErrNotExist):
				return steps, err
			case err == nil && hash(cur) != e.SHA256 && !force:
				s.Refused = "changed since kubeward wrote it"
			case e.Action == Created:
				s.Do = "move aside"
			default:
				s.Do = "restore"
			}
		case Mode:
			st, err := os.Stat(e.Path)
			switch {
			case err != nil:
				return steps, err
			case st.Mode().Perm() != e.NewMode && !force:
				s.Refused = fmt.Sprintf("mode is %04o since, not %04o", st.Mode().Perm(), e.NewMode)
			default:
				s.Do = "chmod"
			}
		}
		steps = append(steps, s)
		if dryRun || s.Refused != "" {
			continue
		}
		var err error
		switch s.Do {
		case "move aside":
			err = os.Rename(e.Path, fmt.Sprintf("%s.kubeward-undone-%d", e.Path, now.Unix()))
		case "restore":
			var data []byte
			if data, err = os.ReadFile(e.Backup); err == nil {
				var st os.FileInfo
				if st, err = os.Stat(e.Backup); err == nil {
					err = writeAtomic(e.Path, data, st.Mode().Perm())
				}
			}
		case "chmod":
			if err = os.Chmod(e.Path, e.OldMode); err == nil && e.Chown {
				err = os.Chown(e.Path, e.OldUID, e.OldGID)
			}
		}
		if err != nil {
			return steps, fmt.Errorf("undo %s: %w", e.Path, err)
		}
	}
	return steps, nil
}
