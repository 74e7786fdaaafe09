package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/kubeward/kubeward/internal/admit"
	"github.com/kubeward/kubeward/internal/source/kube"
	"github.com/kubeward/kubeward/internal/source/registry"
)

func init() {
	extraCommands = append(extraCommands, newWebhookCommand)
}

type webhookOptions struct {
	listen         string
	certFile       string
	keyFile        string
	selfSigned     bool
	selfSignedDir  string
	printCABundle  bool
	caBundleFile   string
	injectInto     string
	kubeconfig     string
	serviceName    string
	namespace      string
	policyFile     string
	reloadInterval time.Duration
	shutdownGrace  time.Duration
	shutdownDelay  time.Duration
	requestTimeout time.Duration
	pullSecrets    bool // --pull-secrets (supplychain.go)
}

func newWebhookCommand(g *globalOptions) *cobra.Command {
	o := &webhookOptions{}
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Serve an admission webhook that enforces the check catalogue",
		Long: `Serve admission.k8s.io/v1 AdmissionReviews on /validate and /mutate over HTTPS.
The same checks as 'kubeward scan' decide: per check and per namespace a failing
check denies (enforce), warns (warn) or annotates the audit event (audit), as the
policy file says (--config, hot reloaded). /healthz, /readyz and /metrics are served
on the same listener. See docs/admission.md.`,
		Args:    unknownSubcommand, // "webhook manifest" names "manifests"
		PreRunE: func(cmd *cobra.Command, _ []string) error { return o.validate(cmd) },
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWebhook(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8443", "address to serve HTTPS on")
	f.StringVar(&o.certFile, "tls-cert-file", "", "serving certificate (PEM; reloaded when the file changes)")
	f.StringVar(&o.keyFile, "tls-private-key-file", "", "serving private key (PEM; reloaded when the file changes)")
	f.BoolVar(&o.selfSigned, "self-signed", false, "bootstrap a CA and a serving certificate for --service-name.--namespace.svc and 127.0.0.1")
	f.StringVar(&o.selfSignedDir, "self-signed-dir", "", "with --self-signed: write ca.crt, tls.crt and tls.key there (otherwise kept in memory)")
	f.BoolVar(&o.printCABundle, "print-ca-bundle", false, "with --self-signed: print the CA (PEM) for the webhook configuration's caBundle to stdout")
	f.StringVar(&o.caBundleFile, "ca-bundle-file", "", "with --self-signed: write the CA (PEM) to this file")
	f.StringVar(&o.injectInto, "inject-ca-bundle", "", "with --self-signed: write the CA into the caBundle of every webhook of the Validating- and MutatingWebhookConfiguration with this name (in-cluster config or --kubeconfig)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig for --inject-ca-bundle and --pull-secrets (default: in-cluster config)")
	f.BoolVar(&o.pullSecrets, "pull-secrets", false, "supply chain: read each pod's imagePullSecrets through the API to reach the registry (needs get on secrets)")
	f.StringVar(&o.serviceName, "service-name", "kubeward-webhook", "Service name the certificate is issued for")
	f.StringVar(&o.namespace, "namespace", "kubeward-system", "namespace the certificate is issued for")
	f.StringVar(&o.policyFile, "config", "", "admission policy file (YAML; modes, languages, namespaces, exemptions); reloaded when it changes")
	f.DurationVar(&o.reloadInterval, "reload-interval", 2*time.Second, "how often to check the policy file for changes")
	f.DurationVar(&o.shutdownGrace, "shutdown-grace-period", 25*time.Second, "on SIGTERM, how long to drain in-flight reviews")
	f.DurationVar(&o.shutdownDelay, "shutdown-delay", 5*time.Second, "on SIGTERM, keep serving this long with /readyz failing and keep-alives off, so endpoints and clients move away before connections close")
	f.DurationVar(&o.requestTimeout, "request-timeout", admit.DefaultTimeout, "bound on the evaluation of one review")
	cmd.AddCommand(newWebhookManifestsCommand())
	return markWork(cmd)
}

// validate checks the serving flags before anything is generated, read or
// listened on. Flags that only mean something with another flag are refused
// without it, so none is ignored silently.
func (o *webhookOptions) validate(cmd *cobra.Command) error {
	f := cmd.Flags()
	switch {
	case o.selfSigned && (o.certFile != "" || o.keyFile != ""):
		return usageError("--self-signed and --tls-cert-file/--tls-private-key-file are exclusive")
	case !o.selfSigned && (o.certFile == "" || o.keyFile == ""):
		return usageError("serving needs --tls-cert-file and --tls-private-key-file, or --self-signed")
	}
	if !o.selfSigned {
		for _, flag := range []string{"self-signed-dir", "print-ca-bundle", "ca-bundle-file", "inject-ca-bundle", "service-name", "namespace"} {
			if f.Changed(flag) {
				return usageError("--%s needs --self-signed", flag)
			}
		}
	}
	if f.Changed("kubeconfig") && o.injectInto == "" && !o.pullSecrets {
		return usageError("--kubeconfig is only used by --inject-ca-bundle and --pull-secrets")
	}
	if f.Changed("reload-interval") && o.policyFile == "" {
		return usageError("--reload-interval needs --config (the policy file it watches)")
	}
	if o.listen == "" {
		return usageError("--listen: must not be empty")
	}
	if o.serviceName == "" || o.namespace == "" {
		return usageError("--service-name and --namespace must not be empty")
	}
	return firstError(
		positiveDuration("reload-interval", o.reloadInterval),
		nonNegativeDuration("shutdown-grace-period", o.shutdownGrace),
		nonNegativeDuration("shutdown-delay", o.shutdownDelay),
		positiveDuration("request-timeout", o.requestTimeout),
	)
}

func runWebhook(ctx context.Context, g *globalOptions, o *webhookOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// A long-running server whose live heap is small (the policy and the
	// reviews in flight): trade memory for less garbage collection, which
	// under load is CPU taken from reviews, i.e. latency. GOMEMLIMIT (the
	// manifests set it below the container's limit) still bounds the heap.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	logger := slog.New(slog.NewTextHandler(g.stderr, nil))
	policy := admit.DefaultPolicy()
	if o.policyFile != "" {
		p, err := admit.LoadPolicy(o.policyFile)
		if err != nil {
			return usageError("%v", err)
		}
		policy = p
	}
	if err := webhookSupplyChain(o, policy); err != nil {
		return err
	}
	metrics := admit.NewMetrics()
	h := admit.NewHandler(policy)
	if o.pullSecrets {
		c, err := kube.Connect(kube.Options{Kubeconfig: o.kubeconfig})
		if err != nil {
			return usageError("--pull-secrets: %v", err)
		}
		h.SetPullSecrets(registry.NewPullSecrets(c.Typed).Keychain)
	}
	h.Metrics = metrics
	h.Timeout = o.requestTimeout

	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.selfSigned {
		ss, err := admit.NewSelfSigned(admit.ServiceDNSNames(o.serviceName, o.namespace), time.Now())
		if err != nil {
			return err
		}
		if o.selfSignedDir != "" {
			if err := ss.WriteFiles(o.selfSignedDir); err != nil {
				return err
			}
		}
		if o.caBundleFile != "" {
			if err := os.WriteFile(o.caBundleFile, ss.CAPEM, 0o644); err != nil {
				return err
			}
		}
		if o.printCABundle {
			_, _ = g.stdout.Write(ss.CAPEM)
		}
		if o.injectInto != "" {
			n, err := injectCABundle(ctx, o.kubeconfig, o.injectInto, ss.CAPEM)
			if err != nil {
				return fmt.Errorf("--inject-ca-bundle %s: %w", o.injectInto, err)
			}
			fmt.Fprintf(g.stderr, "kubeward: wrote the CA bundle into %d webhook(s) of %s\n", n, o.injectInto)
		}
		cert := ss.Cert
		tlsCfg.Certificates = []tls.Certificate{cert}
	} else {
		rl, err := admit.NewCertReloader(o.certFile, o.keyFile)
		if err != nil {
			return usageError("%v", err)
		}
		rl.OnReload = func(err error) {
			metrics.Reloaded("tls", err)
			if err != nil {
				logger.Error("TLS pair reload failed; serving the previous one", "err", err)
			} else {
				logger.Info("TLS pair reloaded", "cert", o.certFile)
			}
		}
		tlsCfg.GetCertificate = rl.GetCertificate
	}

	var ready atomic.Bool
	mux := http.NewServeMux()
	mux.Handle("/validate", h)
	mux.Handle("/mutate", h)
	mux.Handle("/metrics", promhttp.HandlerFor(metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok"))
	})
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      o.requestTimeout + 5*time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return usageError("--listen: %v", err)
	}

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	if o.policyFile != "" {
		go admit.WatchPolicy(ctx, o.policyFile, o.reloadInterval, func(p *admit.Policy) {
			h.SetPolicy(p)
			metrics.Reloaded("policy", nil)
			logger.Info("policy reloaded", "file", o.policyFile)
		}, func(err error) {
			metrics.Reloaded("policy", err)
			logger.Error("policy reload failed; keeping the previous policy", "err", err)
		})
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	ready.Store(true)
	logger.Info("kubeward webhook serving", "addr", ln.Addr().String(), "policy", o.policyFile, "version", Version)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Drain: fail readiness so the Service stops sending, finish in-flight reviews.
	ready.Store(false)
	srv.SetKeepAlivesEnabled(false)
	logger.Info("shutting down: readiness off, draining in-flight reviews", "delay", o.shutdownDelay, "grace", o.shutdownGrace)
	if o.shutdownDelay > 0 {
		time.Sleep(o.shutdownDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

func newWebhookManifestsCommand() *cobra.Command {
	o := admit.DefaultManifestOptions()
	var caFile string
	var noMutating, selfSigned bool
	cmd := &cobra.Command{
		Use:   "manifests (--ca-bundle-file CA.pem | --self-signed)",
		Short: "Print the webhook's Deployment, Service, PDB, policy objects and webhook configurations",
		Long: `Print the objects that deploy the admission webhook (docs/admission.md).

The webhook configurations must carry the CA that signed the serving
certificate: with a wrong caBundle and failurePolicy Fail, the API server
could admit nothing the webhook covers. So one of these is required:

  --ca-bundle-file CA.pem   the CA of the pair you put in the --tls-secret Secret
  --self-signed             generate a CA and a serving pair now, and print the
                            kubernetes.io/tls Secret with them (the private key
                            is in the output: apply it, do not commit it)`,
		Example: `  kubeward webhook manifests --ca-bundle-file ca.crt > webhook.yaml
  kubeward webhook manifests --self-signed | kubectl apply -f -`,
		Args: cobra.NoArgs,
		PreRunE: func(*cobra.Command, []string) error {
			switch {
			case caFile != "" && selfSigned:
				return usageError("--ca-bundle-file and --self-signed are exclusive")
			case caFile == "" && !selfSigned:
				return usageError("webhook manifests needs --ca-bundle-file CA.pem or --self-signed: without the CA that signed the serving certificate the webhook configuration would carry a placeholder caBundle, and with failurePolicy Fail the API server would reject every request the webhook covers")
			}
			if o.FailurePolicy != "Fail" && o.FailurePolicy != "Ignore" {
				return usageError("--failure-policy %q: want Fail or Ignore", o.FailurePolicy)
			}
			if o.Namespace == "" || o.ServiceName == "" || o.Image == "" || o.TLSSecret == "" {
				return usageError("--namespace, --service-name, --image and --tls-secret must not be empty")
			}
			if _, _, err := net.ParseCIDR(o.APIServerCIDR); err != nil {
				return usageError("--apiserver-cidr %q: not a CIDR", o.APIServerCIDR)
			}
			return firstError(
				atLeast("replicas", o.Replicas, 2),
				between("timeout-seconds", o.TimeoutSeconds, 1, 30),
			)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			var secret []byte
			if caFile != "" {
				ca, err := os.ReadFile(filepath.Clean(caFile))
				if err != nil {
					return usageError("--ca-bundle-file: %v", err)
				}
				if !isPEMCertificate(ca) {
					return usageError("--ca-bundle-file %s: no PEM CERTIFICATE block", caFile)
				}
				o.CABundle = ca
			} else {
				ss, err := admit.NewSelfSigned(admit.ServiceDNSNames(o.ServiceName, o.Namespace), time.Now())
				if err != nil {
					return err
				}
				o.CABundle = ss.CAPEM
				if secret, err = tlsSecretYAML(o.Namespace, o.TLSSecret, ss); err != nil {
					return err
				}
			}
			o.Mutating = !noMutating
			out, err := admit.Manifests(o)
			if err != nil {
				return usageError("%v", err)
			}
			_, err = cmd.OutOrStdout().Write(afterFirstDocument(out, secret))
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Namespace, "namespace", o.Namespace, "namespace to deploy into")
	f.StringVar(&o.ServiceName, "service-name", o.ServiceName, "name of the Service, Deployment and webhook configurations")
	f.StringVar(&o.Image, "image", o.Image, "kubeward image, pinned by digest")
	f.Int32Var(&o.Replicas, "replicas", o.Replicas, "replicas (2 or more)")
	f.StringVar(&o.TLSSecret, "tls-secret", o.TLSSecret, "Secret (type kubernetes.io/tls) holding the serving pair")
	f.StringVar(&caFile, "ca-bundle-file", "", "PEM of the CA that signed the serving certificate (caBundle); this or --self-signed is required")
	f.BoolVar(&selfSigned, "self-signed", false, "generate a CA and serving pair and print the --tls-secret Secret with them (contains the private key)")
	f.StringVar(&o.APIServerCIDR, "apiserver-cidr", o.APIServerCIDR, "CIDR the API server calls the webhook from (NetworkPolicy)")
	f.StringVar(&o.FailurePolicy, "failure-policy", o.FailurePolicy, "validating webhook failurePolicy: Fail or Ignore")
	f.Int32Var(&o.TimeoutSeconds, "timeout-seconds", o.TimeoutSeconds, "webhook timeoutSeconds (1-30)")
	f.BoolVar(&noMutating, "no-mutating", false, "leave out the MutatingWebhookConfiguration")
	return markWork(cmd)
}

// afterFirstDocument inserts doc (a "---"-led document) after the first
// document of stream: the Secret goes after the Namespace it lives in, so
// kubectl apply -f creates them in order.
func afterFirstDocument(stream, doc []byte) []byte {
	if len(doc) == 0 {
		return stream
	}
	sep := []byte("---\n")
	first := bytes.Index(stream, sep)
	if first < 0 {
		return append(stream, doc...)
	}
	next := bytes.Index(stream[first+len(sep):], sep)
	if next < 0 {
		return append(stream, doc...)
	}
	at := first + len(sep) + next
	out := make([]byte, 0, len(stream)+len(doc))
	out = append(out, stream[:at]...)
	out = append(out, doc...)
	return append(out, stream[at:]...)
}
