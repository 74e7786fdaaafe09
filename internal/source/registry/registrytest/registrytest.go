// Package registrytest starts a real OCI registry in process
// (go-containerregistry's pkg/registry, with TLS and the referrers API) on
// loopback, builds images locally, signs them with cosign's key-based
// format and writes Trivy reports: the fixtures the supply-chain tests and
// benchmarks verify against. No network beyond loopback.
package registrytest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Registry is a TLS registry on 127.0.0.1 with an optional Harbor scan
// overview API beside it (/api/v2.0/...).
type Registry struct {
	Server *httptest.Server
	// Host is 127.0.0.1:port.
	Host string
	// CAPEM is the server certificate (self-signed), for caFile.
	CAPEM []byte
	// Harbor answers scan overviews by digest: digest → severity → count,
	// with the scan's end time in HarborTime.
	Harbor     map[string]map[string]int
	HarborTime time.Time
	// Down, when set, makes every request fail with 503.
	Down bool
}

// Start starts the registry with the OCI referrers API. Close it with
// r.Server.Close().
func Start() *Registry { return StartWith(true) }

// StartWith starts the registry with or without the referrers API (without
// it, referrers live under the referrers tag schema, sha256-<hex>).
func StartWith(referrers bool) *Registry {
	r := &Registry{Harbor: map[string]map[string]int{}, HarborTime: time.Now().UTC()}
	reg := registry.New(registry.WithReferrersSupport(referrers), registry.Logger(log.New(io.Discard, "", 0)))
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if r.Down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if strings.HasPrefix(req.URL.Path, "/api/v2.0/") {
			r.harbor(w, req)
			return
		}
		reg.ServeHTTP(w, req)
	}))
	r.Server.Config.ErrorLog = log.New(io.Discard, "", 0)
	r.Server.StartTLS()
	r.Host = strings.TrimPrefix(r.Server.URL, "https://")
	r.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Server.Certificate().Raw})
	return r
}

func (r *Registry) harbor(w http.ResponseWriter, req *http.Request) {
	i := strings.LastIndex(req.URL.Path, "/artifacts/")
	if i < 0 || req.URL.Query().Get("with_scan_overview") != "true" {
		http.NotFound(w, req)
		return
	}
	digest := req.URL.Path[i+len("/artifacts/"):]
	counts, ok := r.Harbor[digest]
	if !ok {
		http.NotFound(w, req)
		return
	}
	body := map[string]any{"digest": digest, "scan_overview": map[string]any{
		"application/vnd.security.vulnerability.report; version=1.1": map[string]any{
			"scan_status": "Success", "end_time": r.HarborTime.Format(time.RFC3339),
			"summary": map[string]any{"summary": counts},
		}}}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

func (r *Registry) opts() []remote.Option {
	return []remote.Option{remote.WithTransport(r.Server.Client().Transport)}
}

// Ref parses repo:tag or repo@digest on this registry.
func (r *Registry) Ref(s string) name.Reference {
	ref, err := name.ParseReference(r.Host + "/" + s)
	if err != nil {
		panic(err)
	}
	return ref
}

// PushImage pushes a small image whose single layer holds content, under
// repo:tag, and returns its digest.
func (r *Registry) PushImage(repoTag, content string) (string, error) {
	layer := static.NewLayer([]byte(content), types.OCILayer)
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), layer)
	if err != nil {
		return "", err
	}
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	if err := remote.Write(r.Ref(repoTag), img, r.opts()...); err != nil {
		return "", fmt.Errorf("push %s: %w", repoTag, err)
	}
	d, err := img.Digest()
	if err != nil {
		return "", err
	}
	return d.String(), nil
}

// Key is a cosign key pair (ECDSA P-256, as cosign generate-key-pair).
type Key struct {
	Private *ecdsa.PrivateKey
	// PublicPEM is the public key as cosign.pub holds it.
	PublicPEM []byte
}

// NewKey generates a key pair.
func NewKey() (*Key, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Key{Private: k, PublicPEM: pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})}, nil
}

// Payload is cosign's simple-signing payload for repo@digest.
func Payload(repo, digest string) []byte {
	return []byte(fmt.Sprintf(`{"critical":{"identity":{"docker-reference":%q},"image":{"docker-manifest-digest":%q},"type":"cosign container image signature"},"optional":null}`, repo, digest))
}

// SignCosign stores, as cosign sign --key --tlog-upload=false does, a
// signature by k under the tag sha256-<hex>.sig of repo@digest. The
// payload names signedDigest: digest for an honest signature, another one
// for a tampered image. A signature is appended to the ones there.
func (r *Registry) SignCosign(k *Key, repo, digest, signedDigest string) error {
	payload := Payload(r.Host+"/"+repo, signedDigest)
	h := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, h[:])
	if err != nil {
		return err
	}
	tag := r.Ref(repo + ":" + strings.Replace(digest, ":", "-", 1) + ".sig")
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	if old, err := remote.Image(tag, r.opts()...); err == nil {
		base = old
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(payload, "application/vnd.dev.cosign.simplesigning.v1+json"),
		Annotations: map[string]string{"dev.cosignproject.cosign/signature": base64.StdEncoding.EncodeToString(sig)},
	})
	if err != nil {
		return err
	}
	return remote.Write(tag, img, r.opts()...)
}

// Vuln is one finding of a Trivy report.
type Vuln struct{ ID, Severity, Package, Version string }

// TrivyReport is a Trivy JSON report (SchemaVersion 2) of repo@digest,
// created at when, with vulns.
func TrivyReport(repoDigest string, when time.Time, vulns ...Vuln) []byte {
	type tv struct {
		VulnerabilityID, PkgName, InstalledVersion, Severity string
	}
	var vs []tv
	for _, v := range vulns {
		vs = append(vs, tv{v.ID, v.Package, v.Version, v.Severity})
	}
	rep := map[string]any{"SchemaVersion": 2, "CreatedAt": when.UTC().Format(time.RFC3339Nano), "ArtifactName": repoDigest, "ArtifactType": "container_image",
		"Metadata": map[string]any{"RepoDigests": []string{repoDigest}},
		"Results":  []any{map[string]any{"Target": "app (debian 12)", "Vulnerabilities": vs}}}
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(rep)
	return b.Bytes()
}

// Digest is the digest of img (a helper for tests holding v1.Images).
func Digest(img v1.Image) string {
	d, _ := img.Digest()
	return d.String()
}

// AttestVuln stores, as cosign attest --key --type vuln does, a DSSE
// envelope signed by k under the tag sha256-<hex>.att of repo@digest: an
// in-toto statement about subjectDigest whose predicate carries report
// (Trivy or Grype JSON) as scanner.result, finished at when.
func (r *Registry) AttestVuln(k *Key, repo, digest, subjectDigest string, report []byte, when time.Time) error {
	stmt := map[string]any{
		"_type":         "https://in-toto.io/Statement/v0.1",
		"subject":       []any{map[string]any{"name": r.Host + "/" + repo, "digest": map[string]string{"sha256": strings.TrimPrefix(subjectDigest, "sha256:")}}},
		"predicateType": "https://cosign.sigstore.dev/attestation/vuln/v1",
		"predicate": map[string]any{
			"invocation": map[string]any{},
			"scanner":    map[string]any{"uri": "pkg:github/aquasecurity/trivy", "version": "0.58.0", "result": json.RawMessage(report)},
			"metadata":   map[string]any{"scanStartedOn": when.UTC().Format(time.RFC3339), "scanFinishedOn": when.UTC().Format(time.RFC3339)},
		},
	}
	payload, err := json.Marshal(stmt)
	if err != nil {
		return err
	}
	const pt = "application/vnd.in-toto+json"
	h := sha256.Sum256([]byte(fmt.Sprintf("DSSEv1 %d %s %d %s", len(pt), pt, len(payload), payload)))
	sig, err := ecdsa.SignASN1(rand.Reader, k.Private, h[:])
	if err != nil {
		return err
	}
	env, _ := json.Marshal(map[string]any{"payloadType": pt, "payload": base64.StdEncoding.EncodeToString(payload),
		"signatures": []any{map[string]string{"keyid": "", "sig": base64.StdEncoding.EncodeToString(sig)}}})
	tag := r.Ref(repo + ":" + strings.Replace(digest, ":", "-", 1) + ".att")
	img, err := mutate.Append(mutate.MediaType(empty.Image, types.OCIManifestSchema1), mutate.Addendum{
		Layer:       static.NewLayer(env, "application/vnd.dsse.envelope.v1+json"),
		Annotations: map[string]string{"predicateType": "https://cosign.sigstore.dev/attestation/vuln/v1"},
	})
	if err != nil {
		return err
	}
	return remote.Write(tag, img, r.opts()...)
}
