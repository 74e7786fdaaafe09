package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Client talks to the Docker Engine API on a unix socket.
type Client struct {
	Socket string
	http   *http.Client
}

// maxBody bounds one API answer (a node with thousands of containers stays
// far below it).
const maxBody = 64 << 20

// NewClient returns a client for the unix socket at path.
func NewClient(path string) *Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns:          2,
		IdleConnTimeout:       10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
	}
	return &Client{Socket: path, http: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// apiError is a non-2xx answer of the engine.
type apiError struct {
	Path    string
	Status  int
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("docker API GET %s: HTTP %d: %s", e.Path, e.Status, e.Message)
}

// GetRaw fetches an API path and returns the body of a 2xx answer.
func (c *Client) GetRaw(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.dialError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("docker API GET %s on unix://%s: reading the answer: %w", path, c.Socket, err)
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("docker API GET %s on unix://%s: answer larger than %d MiB", path, c.Socket, maxBody>>20)
	}
	if resp.StatusCode/100 != 2 {
		var m struct {
			Message string `json:"message"`
		}
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &m) == nil && m.Message != "" {
			msg = m.Message
		}
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		return nil, &apiError{Path: path, Status: resp.StatusCode, Message: msg}
	}
	return body, nil
}

// dialError turns a transport failure into one clear line.
func (c *Client) dialError(err error) error {
	where := "unix://" + c.Socket
	var why string
	switch {
	case errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOENT):
		why = "no such socket (is dockerd running, and listening there?)"
	case errors.Is(err, syscall.EACCES) || errors.Is(err, os.ErrPermission):
		why = "permission denied (run kubeward as root or as a member of the socket's group)"
	case errors.Is(err, syscall.ECONNREFUSED):
		why = "connection refused (a stale socket: dockerd is not running)"
	case errors.Is(err, syscall.ENOTSOCK):
		why = "not a socket"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		why = "timed out (dockerd does not answer)"
	default:
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Err != nil {
			why = oe.Err.Error()
		} else {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			why = err.Error()
		}
	}
	return fmt.Errorf("cannot reach the Docker Engine API at %s: %s", where, why)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (c *Client) getJSON(ctx context.Context, path string, out any) ([]byte, error) {
	b, err := c.GetRaw(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("docker API GET %s on unix://%s: bad JSON: %w", path, c.Socket, err)
	}
	return b, nil
}

// Info is GET /info.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var i Info
	if _, err := c.getJSON(ctx, "/info", &i); err != nil {
		return nil, err
	}
	return &i, nil
}

// Version is GET /version.
func (c *Client) Version(ctx context.Context) (*Version, error) {
	var v Version
	if _, err := c.getJSON(ctx, "/version", &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// List is GET /containers/json?all=1: every container, running or not.
func (c *Client) List(ctx context.Context) ([]Summary, error) {
	var s []Summary
	if _, err := c.getJSON(ctx, "/containers/json?all=1", &s); err != nil {
		return nil, err
	}
	return s, nil
}

// Inspect is GET /containers/{id}/json.
func (c *Client) Inspect(ctx context.Context, id string) (*Container, error) {
	var ct Container
	if _, err := c.getJSON(ctx, "/containers/"+url.PathEscape(id)+"/json", &ct); err != nil {
		return nil, err
	}
	return &ct, nil
}

// Top is GET /containers/{id}/top: the executable names of the running
// container's processes (the CMD column's first word, base name: the
// arguments may hold secrets and are dropped here). A container that
// stopped meanwhile has none.
func (c *Client) Top(ctx context.Context, id string) ([]string, error) {
	var t struct {
		Titles    []string   `json:"Titles"`
		Processes [][]string `json:"Processes"`
	}
	_, err := c.getJSON(ctx, "/containers/"+url.PathEscape(id)+"/top", &t)
	var ae *apiError
	if errors.As(err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusConflict) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return topCommands(t.Titles, t.Processes), nil
}

// topCommands picks the command names out of a top answer: the CMD (or
// COMMAND) column's first word, its base name, sorted and unique.
func topCommands(titles []string, procs [][]string) []string {
	col := -1
	for i, t := range titles {
		if t == "CMD" || t == "COMMAND" {
			col = i
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, p := range procs {
		if col < 0 || col >= len(p) {
			continue
		}
		f := strings.Fields(p[col])
		if len(f) == 0 {
			continue
		}
		name := strings.Trim(f[0], "[]")
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		name = strings.TrimSuffix(name, ":")
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// withProcesses adds the process names of each running container.
func (c *Client) withProcesses(ctx context.Context, cts []Container) error {
	for i := range cts {
		if !cts[i].State.Running {
			cts[i].ProcessesKnown = true
			continue
		}
		ps, err := c.Top(ctx, cts[i].ID)
		if err != nil {
			return err
		}
		cts[i].Processes, cts[i].ProcessesKnown = ps, true
	}
	return nil
}

// Containers inspects every container. A container removed between the
// list and its inspection is skipped.
func (c *Client) Containers(ctx context.Context) ([]Container, error) {
	raw, err := c.inspectAll(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Container, 0, len(raw))
	for _, r := range raw {
		var ct Container
		if err := json.Unmarshal(r, &ct); err != nil {
			return nil, fmt.Errorf("docker API container inspect on unix://%s: bad JSON: %w", c.Socket, err)
		}
		out = append(out, ct)
	}
	return out, nil
}

func (c *Client) inspectAll(ctx context.Context) ([]json.RawMessage, error) {
	list, err := c.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(list))
	for _, s := range list {
		b, err := c.GetRaw(ctx, "/containers/"+url.PathEscape(s.ID)+"/json")
		var ae *apiError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
