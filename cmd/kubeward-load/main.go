// Command kubeward-load sends AdmissionReviews over HTTPS to a kubeward
// webhook at a fixed rate and reports the achieved rate, errors and
// client-side latency percentiles.
//
//	kubeward-load --url https://127.0.0.1:8443/validate --rate 2000 --duration 60s --concurrency 64 --insecure
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The mix: a privileged pod (denied), a hardened pod (admitted), a
// Deployment, a cluster-admin binding and a ConfigMap.
var objects = []struct{ group, version, kind, resource, namespace, name, body string }{
	{"", "v1", "Pod", "pods", "team-a", "priv", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"priv","namespace":"team-a"},"spec":{"containers":[{"name":"app","image":"docker.io/library/nginx:1.27","securityContext":{"privileged":true}}]}}`},
	{"", "v1", "Pod", "pods", "team-a", "good", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"good","namespace":"team-a"},"spec":{"automountServiceAccountToken":false,"serviceAccountName":"app","securityContext":{"runAsNonRoot":true,"runAsUser":10001,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"app","image":"registry.bank.internal/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}},"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}`},
	{"apps", "v1", "Deployment", "deployments", "team-a", "web", `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"team-a"},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"registry.bank.internal/web:1.0","env":[{"name":"API_TOKEN","value":"ghp_0123456789abcdefghijABCDEFGHIJ012345"}]}]}}}}`},
	{"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", "", "default-admin", `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRoleBinding","metadata":{"name":"default-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"ServiceAccount","name":"default","namespace":"team-a"}]}`},
	{"", "v1", "ConfigMap", "configmaps", "team-a", "cfg", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"team-a"},"data":{"LOG_LEVEL":"info","DB_PASSWORD":"S3cr3t-Passw0rd-xY9!"}}`},
}

func reviews() [][]byte {
	var out [][]byte
	for i, o := range objects {
		rv := map[string]any{
			"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
			"request": map[string]any{
				"uid":       fmt.Sprintf("load-%d", i),
				"kind":      map[string]string{"group": o.group, "version": o.version, "kind": o.kind},
				"resource":  map[string]string{"group": o.group, "version": o.version, "resource": o.resource},
				"name":      o.name,
				"namespace": o.namespace,
				"operation": "CREATE",
				"userInfo":  map[string]any{"username": "load", "groups": []string{"system:authenticated"}},
				"object":    json.RawMessage(o.body),
				"dryRun":    false,
			},
		}
		b, err := json.Marshal(rv)
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

func main() {
	url := flag.String("url", "https://127.0.0.1:8443/validate", "webhook URL")
	rate := flag.Float64("rate", 2000, "reviews per second")
	duration := flag.Duration("duration", 60*time.Second, "how long to send")
	concurrency := flag.Int("concurrency", 64, "maximum reviews in flight")
	insecure := flag.Bool("insecure", false, "skip server certificate verification")
	caFile := flag.String("ca-file", "", "CA (PEM) to verify the server with")
	timeout := flag.Duration("timeout", 10*time.Second, "per-request timeout")
	h2 := flag.Bool("http2", false, "use HTTP/2 (as the API server does) instead of HTTP/1.1 keep-alive connections")
	objectsFile := flag.String("objects", "", "send these objects (one JSON object per line) instead of the built-in mix (objects.go)")
	flag.Parse()

	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: *insecure} //nolint:gosec // opt-in flag
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kubeward-load:", err)
			os.Exit(2)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fmt.Fprintln(os.Stderr, "kubeward-load: no certificate in", *caFile)
			os.Exit(2)
		}
		tlsCfg.RootCAs = pool
	}
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{
		TLSClientConfig: tlsCfg, MaxIdleConns: *concurrency, MaxIdleConnsPerHost: *concurrency, ForceAttemptHTTP2: *h2,
		IdleConnTimeout: 90 * time.Second,
	}}
	bodies := reviews()
	if *objectsFile != "" {
		b, err := reviewsFromFile(*objectsFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "kubeward-load:", err)
			os.Exit(2)
		}
		bodies = b
	}

	var sent, ok, denied, errs, dropped atomic.Int64
	var mu sync.Mutex
	lat := make([]time.Duration, 0, int(*rate*duration.Seconds())+16)
	errSample := map[string]int{}
	sem := make(chan struct{}, *concurrency)
	var wg sync.WaitGroup

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	interval := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	next := start
	for i := 0; ; i++ {
		now := time.Now()
		if ctx.Err() != nil {
			break
		}
		if d := next.Sub(now); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		select {
		case sem <- struct{}{}:
		default:
			dropped.Add(1) // all workers busy: the server is not keeping up
			continue
		}
		body := bodies[i%len(bodies)]
		sent.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			resp, err := client.Post(*url, "application/json", bytes.NewReader(body))
			if err != nil {
				errs.Add(1)
				mu.Lock()
				errSample[err.Error()]++
				mu.Unlock()
				return
			}
			data, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			d := time.Since(t0)
			var rv struct {
				Response *struct {
					Allowed bool `json:"allowed"`
				} `json:"response"`
			}
			if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(data, &rv) != nil || rv.Response == nil {
				errs.Add(1)
				mu.Lock()
				errSample[fmt.Sprintf("HTTP %d", resp.StatusCode)]++
				mu.Unlock()
				return
			}
			if rv.Response.Allowed {
				ok.Add(1)
			} else {
				denied.Add(1)
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		i := int(p / 100 * float64(len(lat)-1))
		return lat[i]
	}
	done := ok.Load() + denied.Load()
	fmt.Printf("target %.0f/s for %s, concurrency %d\n", *rate, *duration, *concurrency)
	fmt.Printf("sent %d, answered %d (allowed %d, denied %d), errors %d, dropped (client saturated) %d\n",
		sent.Load(), done, ok.Load(), denied.Load(), errs.Load(), dropped.Load())
	fmt.Printf("achieved %.1f reviews/s over %s\n", float64(done)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
	fmt.Printf("client latency p50 %s p90 %s p99 %s p99.9 %s max %s\n", pct(50), pct(90), pct(99), pct(99.9), pct(100))
	for e, n := range errSample {
		fmt.Printf("error x%d: %s\n", n, e)
	}
	if errs.Load() > 0 || dropped.Load() > 0 {
		cancel()   // os.Exit skips the deferred call
		os.Exit(1) //nolint:gocritic // exitAfterDefer: cancel() runs just above
	}
}
