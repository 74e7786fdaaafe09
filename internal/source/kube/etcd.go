package kube

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// EtcdOptions reach etcd with a client certificate.
type EtcdOptions struct {
	Endpoint string // https://host:2379
	CACert   string
	Cert     string
	Key      string
	Prefix   string // the API server's --etcd-prefix (default /registry)
}

// RawValue reads one key from etcd through its JSON gateway (/v3/kv/range),
// returning the stored bytes exactly as the API server wrote them.
func RawValue(ctx context.Context, o EtcdOptions, key string) ([]byte, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CACert != "" {
		ca, err := os.ReadFile(o.CACert)
		if err != nil {
			return nil, fmt.Errorf("etcd CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("etcd CA %s: no PEM certificate", o.CACert)
		}
		tlsCfg.RootCAs = pool
	}
	if o.Cert != "" {
		pair, err := tls.LoadX509KeyPair(o.Cert, o.Key)
		if err != nil {
			return nil, fmt.Errorf("etcd client certificate: %w", err)
		}
		tlsCfg.Certificates = []tls.Certificate{pair}
	}
	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	body, _ := json.Marshal(map[string]string{"key": base64.StdEncoding.EncodeToString([]byte(key))})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(o.Endpoint, "/")+"/v3/kv/range", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach etcd at %s: %w", o.Endpoint, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("etcd %s: %s: %s", o.Endpoint, resp.Status, bytes.TrimSpace(data))
	}
	var out struct {
		KVs []struct {
			Value string `json:"value"`
		} `json:"kvs"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("etcd %s: %w", o.Endpoint, err)
	}
	if len(out.KVs) == 0 {
		return nil, fmt.Errorf("etcd %s: key %s not found (is --etcd-prefix right?)", o.Endpoint, key)
	}
	return base64.StdEncoding.DecodeString(out.KVs[0].Value)
}

// EncryptionOf describes how a stored value is protected: the provider and
// key name of a "k8s:enc:<provider>:v1:<key>:" prefix, or "" when the value
// is stored in plain text.
func EncryptionOf(raw []byte) (provider, key string) {
	const prefix = "k8s:enc:"
	if !bytes.HasPrefix(raw, []byte(prefix)) {
		return "", ""
	}
	parts := strings.SplitN(string(raw[len(prefix):min(len(raw), 200)]), ":", 4)
	if len(parts) < 3 {
		return parts[0], ""
	}
	return parts[0] + " " + parts[1], parts[2]
}
