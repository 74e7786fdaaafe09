// Package registry gathers the supply-chain facts of images from an OCI
// registry, offline: the digest a reference resolves to, whether a cosign
// signature of that digest verifies with a key the configuration trusts
// (no transparency log, no Fulcio), and the newest vulnerability scan of
// the digest (Harbor's scan overview, or Trivy and Grype reports given as
// files). Every registry call is bounded by a timeout; verdicts are cached
// by digest in a cache of bounded size. Checks read the facts from
// inventory.Object.Images (internal/check/supplychain).
package registry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/kubeward/kubeward/internal/config"
)

// Client reaches registries with the configured CAs and credentials.
type Client struct {
	cfg     *config.SupplyChain
	timeout time.Duration
	// transports per registry host (its CA), and the default.
	mu         sync.Mutex
	transports map[string]http.RoundTripper
	base       *tls.Config
	// own are the webhook's own credentials (dockerConfig files).
	own Keychain
	// Harbor, when set, is asked for scan overviews.
	harbor *Harbor
}

// NewClient builds a client from the supply-chain configuration: it reads
// every registry's CA file and docker config now, so a bad file is an
// error at start, not at the first admission.
func NewClient(cfg *config.SupplyChain) (*Client, error) {
	c := &Client{cfg: cfg, timeout: cfg.CallTimeout(), transports: map[string]http.RoundTripper{}, own: Keychain{}}
	sys, err := x509.SystemCertPool()
	if err != nil || sys == nil {
		sys = x509.NewCertPool()
	}
	c.base = &tls.Config{RootCAs: sys, MinVersion: tls.VersionTLS12}
	for _, r := range cfg.Registries {
		tc := c.base.Clone()
		if r.CAFile != "" {
			pem, err := os.ReadFile(r.CAFile)
			if err != nil {
				return nil, fmt.Errorf("supplyChain registry %s: caFile: %w", r.Host, err)
			}
			pool := sys.Clone()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("supplyChain registry %s: caFile %s holds no PEM certificate", r.Host, r.CAFile)
			}
			tc.RootCAs = pool
		}
		c.transports[strings.ToLower(r.Host)] = newTransport(tc, c.timeout)
		if r.DockerConfig != "" {
			data, err := os.ReadFile(r.DockerConfig)
			if err != nil {
				return nil, fmt.Errorf("supplyChain registry %s: dockerConfig: %w", r.Host, err)
			}
			kc, err := ParseDockerConfig(data)
			if err != nil {
				return nil, fmt.Errorf("supplyChain registry %s: dockerConfig %s: %w", r.Host, r.DockerConfig, err)
			}
			for h, a := range kc {
				c.own[h] = a
			}
		}
	}
	if cfg.Harbor != "" {
		host := strings.TrimPrefix(strings.TrimPrefix(cfg.Harbor, "https://"), "http://")
		host = strings.SplitN(host, "/", 2)[0]
		c.harbor = &Harbor{URL: strings.TrimSuffix(cfg.Harbor, "/"), Client: &http.Client{Transport: c.transport(host), Timeout: c.timeout}, Auth: c.own[host]}
	}
	return c, nil
}

// httpsOnly refuses plain HTTP: go-containerregistry falls back to http://
// for loopback and private-address registries when HTTPS fails, which
// would let anyone on the path answer for the registry.
type httpsOnly struct{ next http.RoundTripper }

func (t httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return nil, fmt.Errorf("refusing %s: registries are reached over HTTPS only", req.URL.Redacted())
	}
	return t.next.RoundTrip(req)
}

func newTransport(tc *tls.Config, timeout time.Duration) http.RoundTripper {
	return httpsOnly{&http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tc,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
	}}
}

// transport is the round tripper of a registry host.
func (c *Client) transport(host string) http.RoundTripper {
	c.mu.Lock()
	defer c.mu.Unlock()
	host = strings.ToLower(host)
	if t, ok := c.transports[host]; ok {
		return t
	}
	t := newTransport(c.base.Clone(), c.timeout)
	c.transports[host] = t
	return t
}

// options are the go-containerregistry options of one call to ref's
// registry, with the pull secrets' credentials first and the webhook's own
// after them.
func (c *Client) options(ctx context.Context, ref name.Reference, pull Keychain) []remote.Option {
	kc := authn.NewMultiKeychain(pull, c.own)
	return []remote.Option{remote.WithContext(ctx), remote.WithTransport(c.transport(ref.Context().RegistryStr())), remote.WithAuthFromKeychain(kc),
		// One retry after 100ms, not the library's seconds of backoff: an
		// admission decision waits for it.
		remote.WithRetryBackoff(remote.Backoff{Duration: 100 * time.Millisecond, Factor: 1, Steps: 2})}
}

// call bounds one registry call with the client's timeout.
func (c *Client) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.timeout)
}

// Resolve returns the manifest digest ref points at now.
func (c *Client) Resolve(ctx context.Context, ref name.Reference, pull Keychain) (string, error) {
	ctx, cancel := c.call(ctx)
	defer cancel()
	d, err := remote.Head(ref, c.options(ctx, ref, pull)...)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", ref, err)
	}
	return d.Digest.String(), nil
}

// isNotFound reports whether err is the registry saying the manifest does
// not exist (an unsigned image), as opposed to it being unreachable.
func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}
