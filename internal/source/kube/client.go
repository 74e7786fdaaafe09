// Package kube reads a live cluster through the Kubernetes API with
// kubectl's conventions (kubeconfig, context, in-cluster config): paged
// lists, bounded concurrency, client-side rate limits, retries on transient
// errors, Secrets read as metadata only. Objects stream into a sink, so
// memory does not grow with the cluster.
package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Options select the cluster and tune the client.
type Options struct {
	Kubeconfig string
	Context    string
	// Namespace limits namespaced lists to one namespace ("" = all).
	Namespace string
	// QPS and Burst are the client-side rate limits; the server's API
	// priority and fairness answers 429 with Retry-After, which the client honours.
	QPS   float32
	Burst int
	// PageSize is the limit of each list call.
	PageSize int64
	// Concurrency bounds the lists running at once.
	Concurrency int
	Timeout     time.Duration
}

// Client talks to one cluster.
type Client struct {
	Config   *rest.Config
	Typed    kubernetes.Interface
	Metadata metadata.Interface
	Host     string
	opts     Options
}

// Connect builds a client from the kubeconfig (KUBECONFIG, ~/.kube/config,
// --kubeconfig) and context, or the in-cluster config when run in a pod.
func Connect(opts Options) (*Client, error) {
	if opts.QPS == 0 {
		opts.QPS = 50
	}
	if opts.Burst == 0 {
		opts.Burst = 100
	}
	if opts.PageSize == 0 {
		opts.PageSize = 500
	}
	if opts.Concurrency == 0 {
		opts.Concurrency = 4
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if opts.Kubeconfig != "" {
		rules.ExplicitPath = opts.Kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: opts.Context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		if opts.Kubeconfig == "" && opts.Context == "" {
			if ic, icErr := rest.InClusterConfig(); icErr == nil {
				cfg, err = ic, nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("kubeconfig: %w", err)
		}
	}
	cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	cfg.Timeout = opts.Timeout
	cfg.UserAgent = "kubeward"
	// Typed lists travel as protobuf: several times cheaper to encode on the
	// server and to decode here than JSON, which matters at 100,000 objects.
	pcfg := rest.CopyConfig(cfg)
	pcfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	pcfg.ContentType = "application/vnd.kubernetes.protobuf"
	typed, err := kubernetes.NewForConfig(pcfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	return &Client{Config: cfg, Typed: typed, Metadata: md, Host: cfg.Host, opts: opts}, nil
}

// Ping checks the server answers and accepts the credentials, and turns the
// usual failures into one clear line.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	_, err := c.Typed.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err == nil {
		return nil
	}
	return Explain(c.Host, err)
}

// Explain names the endpoint and the likely cause of an API error.
func Explain(host string, err error) error {
	var uerr *url.Error
	var nerr *net.OpError
	msg := err.Error()
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%s rejected the credentials (401 Unauthorized): the token is expired or invalid, or the client certificate is not trusted", host)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: forbidden: %w", host, err)
	case strings.Contains(msg, "x509:") || strings.Contains(msg, "tls:"):
		return fmt.Errorf("cannot verify %s's certificate: %s", host, tlsReason(msg))
	case errors.As(err, &nerr) || errors.As(err, &uerr) || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("cannot reach %s: %w", host, rootCause(err))
	}
	return fmt.Errorf("%s: %w", host, err)
}

func tlsReason(msg string) string {
	if i := strings.Index(msg, "x509:"); i >= 0 {
		return msg[i:]
	}
	if i := strings.Index(msg, "tls:"); i >= 0 {
		return msg[i:]
	}
	return msg
}

func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		var nerr *net.OpError
		if errors.As(err, &nerr) && !errors.As(u, &nerr) {
			return err
		}
		err = u
	}
}
