package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/inventory"
)

const staticPod = `apiVersion: v1
kind: Pod
metadata:
  name: kube-scheduler
  namespace: kube-system
spec:
  containers:
  - name: kube-scheduler
    image: registry.k8s.io/kube-scheduler:v1.37.2
    command: [kube-scheduler]
    args: ["--kubeconfig=/etc/kubernetes/scheduler.conf", "--profiling=true"]
    volumeMounts:
    - {name: kubeconfig, mountPath: /etc/kubernetes/scheduler.conf, readOnly: true}
  volumes:
  - name: kubeconfig
    hostPath: {path: /etc/kubernetes/scheduler.conf, type: FileOrCreate}
`

// TestApplyAndUndo: --apply merges the patch into a static pod manifest
// and writes a new drop-in and a mode change, each recorded; undo restores
// the manifest from its backup, moves the drop-in aside (never deletes)
// and restores the mode; a file changed since is left alone without force.
func TestApplyAndUndo(t *testing.T) {
	dir := t.TempDir()
	manifest := filepath.Join(dir, "kube-scheduler.yaml")
	write(t, manifest, staticPod, 0o600)
	loose := filepath.Join(dir, "scheduler.conf")
	write(t, loose, "kubeconfig", 0o644)
	cp := &ComponentPlan{Kind: inventory.Scheduler, Source: "static pod", SourceFile: manifest,
		Args:    []string{"kube-scheduler", "--kubeconfig=/etc/kubernetes/scheduler.conf", "--profiling=false", "--tls-cert-file=/srv/pki/scheduler-serving.crt"},
		Changes: []string{"--profiling=false", "--tls-cert-file=/srv/pki/scheduler-serving.crt"}, Fixes: []string{"KW-SCH-003"}}
	p := &Plan{Components: []*ComponentPlan{cp}}
	if err := p.Render(); err != nil {
		t.Fatal(err)
	}
	changes, err := p.Changes(os.ReadFile)
	if err != nil {
		t.Fatal(err)
	}
	dropIn := filepath.Join(dir, "50-kubeward.conf")
	changes = append(changes, Change{Path: dropIn, Data: []byte("[Service]\n"), Mode: 0o644})
	if len(changes) != 2 || changes[0].Path != manifest {
		t.Fatalf("changes: %+v", changes)
	}
	var pod struct {
		Spec struct {
			Containers []struct {
				Command      []string
				Args         []string
				VolumeMounts []map[string]any `json:"volumeMounts"`
			}
			Volumes []map[string]any
		}
	}
	if err := yaml.Unmarshal(changes[0].Data, &pod); err != nil {
		t.Fatal(err)
	}
	c := pod.Spec.Containers[0]
	if strings.Join(c.Command, " ") != strings.Join(cp.Args, " ") || len(c.Args) != 0 {
		t.Errorf("command %v args %v", c.Command, c.Args)
	}
	if len(c.VolumeMounts) != 2 || len(pod.Spec.Volumes) != 2 || c.VolumeMounts[1]["mountPath"] != "/srv/pki" {
		t.Errorf("mounts %v volumes %v", c.VolumeMounts, pod.Spec.Volumes)
	}
	if d := Diff(changes[0], []byte(staticPod), true); !strings.Contains(d, "+    - --profiling=false") {
		t.Errorf("diff:\n%s", d)
	}

	now := time.Unix(1700000000, 0)
	rec := &Record{Kind: RecordKind, Version: RecordVersion}
	recFile := filepath.Join(dir, "undo.json")
	save := func(r *Record) error { return SaveRecord(recFile, r) }
	if err := Apply(changes, []*FileFix{{Path: loose, Mode: 0o600}}, rec, now, save); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(manifest); st.Mode().Perm() != 0o600 {
		t.Errorf("manifest mode %v: the original's must be kept", st.Mode())
	}
	if st, _ := os.Stat(loose); st.Mode().Perm() != 0o600 {
		t.Error("mode not fixed")
	}
	data, err := os.ReadFile(recFile)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	if RecordKindOf(data) != RecordKind || len(back.Entries) != 3 {
		t.Fatalf("record: %s", data)
	}

	// Someone edits the drop-in: undo leaves it alone, restores the rest.
	write(t, dropIn, "[Service]\n# mine\n", 0o644)
	steps, err := Undo(back, false, false, now)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, s := range steps {
		if s.Refused != "" {
			refused++
		}
	}
	if refused != 1 {
		t.Errorf("steps %+v", steps)
	}
	if got, _ := os.ReadFile(manifest); string(got) != staticPod {
		t.Errorf("manifest not restored:\n%s", got)
	}
	if st, _ := os.Stat(loose); st.Mode().Perm() != 0o644 {
		t.Error("mode not restored")
	}
	if _, err := os.Stat(dropIn); err != nil {
		t.Error("the changed drop-in was touched")
	}
	// Forced: the drop-in is moved aside, not deleted.
	if _, err := Undo(back, true, false, now); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dropIn); !os.IsNotExist(err) {
		t.Error("drop-in still in place")
	}
	if aside, _ := filepath.Glob(dropIn + ".kubeward-undone-*"); len(aside) != 1 {
		t.Errorf("moved aside: %v", aside)
	}
}

func write(t *testing.T, p, data string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func TestParseRecordRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"other kind":    `{"kind":"KubewardHardenRecord","version":1}`,
		"relative":      `{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"created","path":"etc/x"}]}`,
		"dotdot":        `{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"created","path":"/etc/../x"}]}`,
		"far backup":    `{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"replaced","path":"/etc/x","backup":"/tmp/y"}]}`,
		"bad action":    `{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"delete","path":"/etc/x"}]}`,
		"unknown field": `{"kind":"KubewardNodeFilesRecord","version":1,"bogus":1}`,
		"bad mode":      `{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"mode","path":"/etc/x","newMode":999999}]}`,
		"not json":      `{`,
	} {
		if _, err := ParseRecord([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseRecord([]byte(`{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"replaced","path":"/etc/x","backup":"/etc/x.kubeward-bak-17"}]}`)); err != nil {
		t.Error(err)
	}
}

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte(`{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"replaced","path":"/etc/x","backup":"/etc/x.kubeward-bak-17","sha256":"ab"}]}`))
	f.Add([]byte(`{"kind":"KubewardNodeFilesRecord","version":1,"entries":[{"action":"mode","path":"/etc/x","oldMode":420,"newMode":384,"chown":true}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := ParseRecord(data)
		if err != nil {
			return
		}
		for _, e := range rec.Entries {
			if !filepath.IsAbs(e.Path) || (e.Action == Replaced && !strings.HasPrefix(e.Backup, e.Path+".kubeward-bak-")) {
				t.Fatalf("accepted %+v", e)
			}
		}
	})
}
