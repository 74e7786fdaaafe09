package manifest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Limits on rendering Helm charts and building kustomizations.
//
// Helm's template engine and kustomize cannot be cancelled once started: a
// render that overruns its time limit is abandoned (its goroutine keeps
// running in the background until it ends or kubeward exits) and the chart
// or kustomization is reported as an error. Output is counted after the
// render returns, so a template that produces a huge output within the time
// limit still holds it in memory until it is refused.
const (
	// DefaultRenderTimeout bounds one chart render or kustomize build
	// (--render-timeout).
	DefaultRenderTimeout = 30 * time.Second
	// MaxRenderBytes bounds the total output of one chart or kustomization.
	MaxRenderBytes = 256 << 20
	// MaxRemoteBytes bounds one remote kustomize fetch over HTTP
	// (--allow-remote).
	MaxRemoteBytes = 64 << 20
)

// errRenderTimeout is returned when a render is abandoned.
var errRenderTimeout = errors.New("timed out")

// withTimeout runs f in a goroutine and waits at most timeout for it. On
// timeout the goroutine is abandoned, not stopped: neither Helm's engine nor
// kustomize takes a context. A panic inside f becomes an error.
func withTimeout[T any](what string, timeout time.Duration, f func() (T, error)) (T, error) {
	if timeout <= 0 {
		timeout = DefaultRenderTimeout
	}
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 1) // buffered: an abandoned goroutine never blocks
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- res{err: fmt.Errorf("%s panicked: %v", what, p)}
			}
		}()
		v, err := f()
		ch <- res{v: v, err: err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-t.C:
		var zero T
		return zero, fmt.Errorf("%s %w after %s (--render-timeout); abandoned", what, errRenderTimeout, timeout)
	}
}

// limitedTransport bounds remote fetches made by kustomize over HTTP:
// a time limit on the whole request (response headers and body) and a size
// cap on the body.
type limitedTransport struct {
	next    http.RoundTripper
	timeout time.Duration
	max     int64
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var cancel func()
	if t.timeout > 0 {
		var timer *time.Timer
		ctx, c := context.WithCancel(req.Context())
		timer = time.AfterFunc(t.timeout, c)
		cancel = func() { timer.Stop(); c() }
		req = req.WithContext(ctx)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		if cancel != nil {
			cancel()
		}
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		if cancel != nil {
			cancel()
		}
		return nil, fmt.Errorf("%s: response of %d bytes is over the %d MiB limit", req.URL.Redacted(), resp.ContentLength, t.max>>20)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: t.max, url: req.URL.Redacted(), max: t.max, done: cancel}
	return resp, nil
}

// cappedBody fails a read once more than max bytes were read.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
	url  string
	done func()
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("%s: response over the %d MiB limit", b.url, b.max>>20)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, fmt.Errorf("%s: response over the %d MiB limit", b.url, b.max>>20)
	}
	return n, err
}

func (b *cappedBody) Close() error {
	if b.done != nil {
		b.done()
	}
	return b.rc.Close()
}

var remoteLimitsOnce sync.Once

// installRemoteLimits bounds kustomize's HTTP fetches. kustomize builds its
// HTTP client without a timeout on http.DefaultTransport and takes no client
// of ours, so with --allow-remote (only then) the default transport of the
// process is wrapped: every request through it is bounded by timeout and its
// body by MaxRemoteBytes. Git bases are cloned by the git command under
// kustomize's own time limit (27 s, or ?timeout= in the URL) and the whole
// build under --render-timeout.
func installRemoteLimits(timeout time.Duration) {
	if timeout <= 0 {
		timeout = DefaultRenderTimeout
	}
	remoteLimitsOnce.Do(func() {
		http.DefaultTransport = &limitedTransport{next: http.DefaultTransport, timeout: timeout, max: MaxRemoteBytes}
	})
}

// maxRenderBytes is MaxRenderBytes, lowered by tests.
var maxRenderBytes = MaxRenderBytes
