package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/kubeward/kubeward/internal/source/host"
)

// Capture asks the engine on the unix socket for everything the runtime
// checks read and returns it keyed by capture name (host.CaptureDockerInfo,
// host.CaptureDockerVersion, host.CaptureDockerContainers), ready to be
// written under a snapshot's capture directory. Container environments are
// redacted: only variable names are kept.
func Capture(ctx context.Context, socket string) (map[string][]byte, error) {
	c := NewClient(socket)
	defer c.Close()
	out := map[string][]byte{}
	info, err := c.GetRaw(ctx, "/info")
	if err != nil {
		return nil, err
	}
	out[host.CaptureDockerInfo] = info
	version, err := c.GetRaw(ctx, "/version")
	if err != nil {
		return nil, err
	}
	out[host.CaptureDockerVersion] = version
	raw, err := c.inspectAll(ctx)
	if err != nil {
		return nil, err
	}
	items := make([]json.RawMessage, 0, len(raw))
	for _, r := range raw {
		red, err := redactEnv(r)
		if err != nil {
			return nil, fmt.Errorf("docker API container inspect on unix://%s: bad JSON: %w", socket, err)
		}
		if red, err = c.addProcesses(ctx, red); err != nil {
			return nil, err
		}
		items = append(items, red)
	}
	b, err := json.MarshalIndent(items, "", "  ")
	if err != nil {
		return nil, err
	}
	out[host.CaptureDockerContainers] = b
	return out, nil
}

// addProcesses adds a running container's process names (Top) to its
// captured inspect answer, as the fields DockerContainer reads them from.
func (c *Client) addProcesses(ctx context.Context, b json.RawMessage) (json.RawMessage, error) {
	var ct Container
	if err := json.Unmarshal(b, &ct); err != nil {
		return nil, err
	}
	cts := []Container{ct}
	if err := c.withProcesses(ctx, cts); err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["kubewardProcesses"], m["kubewardProcessesKnown"] = cts[0].Processes, cts[0].ProcessesKnown
	return json.Marshal(m)
}

// redactEnv replaces the values of Config.Env with <redacted>.
func redactEnv(b []byte) (json.RawMessage, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if cfg, ok := m["Config"].(map[string]any); ok {
		if env, ok := cfg["Env"].([]any); ok {
			for i, e := range env {
				if s, ok := e.(string); ok {
					k, _, _ := strings.Cut(s, "=")
					env[i] = k + "=<redacted>"
				}
			}
		}
	}
	return json.Marshal(m)
}

// Load reads an engine's state: over its socket when the audit runs on the
// node itself (or the socket of a host mounted under --root answers),
// otherwise from the answers captured in the snapshot.
func Load(ctx context.Context, f *host.FS, socket string) (*State, error) {
	if f.Live() {
		return query(ctx, socket, socket)
	}
	if b, ok := f.Captured(host.CaptureDockerContainers); ok {
		return fromCapture(f, b)
	}
	// A host mounted under --root: its socket may answer.
	p := f.Path(socket)
	if st, err := f.Stat(socket); err == nil && st.Mode()&fs.ModeSocket != 0 {
		return query(ctx, p, socket)
	}
	return nil, fmt.Errorf("no Docker Engine API answers in %s (run `kubeward collect node` on the node) and no socket at %s",
		path.Join(f.Path(host.CaptureDir), host.CaptureDockerContainers), p)
}

func query(ctx context.Context, dial, socket string) (*State, error) {
	c := NewClient(dial)
	defer c.Close()
	s := &State{Source: "Engine API unix://" + socket, Socket: socket}
	var err error
	if s.Info, err = c.Info(ctx); err != nil {
		return nil, err
	}
	if s.Version, err = c.Version(ctx); err != nil {
		return nil, err
	}
	if s.Containers, err = c.Containers(ctx); err != nil {
		return nil, err
	}
	if err := c.withProcesses(ctx, s.Containers); err != nil {
		return nil, err
	}
	return s, nil
}

func fromCapture(f *host.FS, containers []byte) (*State, error) {
	file := path.Join(host.CaptureDir, host.CaptureDockerContainers)
	s := &State{Source: "snapshot " + file}
	if err := json.Unmarshal(containers, &s.Containers); err != nil {
		return nil, fmt.Errorf("snapshot %s: bad JSON: %w", file, err)
	}
	if b, ok := f.Captured(host.CaptureDockerInfo); ok {
		var i Info
		if err := json.Unmarshal(b, &i); err != nil {
			return nil, fmt.Errorf("snapshot %s: bad JSON: %w", path.Join(host.CaptureDir, host.CaptureDockerInfo), err)
		}
		s.Info = &i
	}
	if b, ok := f.Captured(host.CaptureDockerVersion); ok {
		var v Version
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("snapshot %s: bad JSON: %w", path.Join(host.CaptureDir, host.CaptureDockerVersion), err)
		}
		s.Version = &v
	}
	return s, nil
}
