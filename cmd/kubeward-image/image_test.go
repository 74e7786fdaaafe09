package main

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

var epoch = time.Unix(1765000000, 0).UTC()

func input() Input {
	return Input{Binary: []byte("\x7fELF fake kubeward"), Version: "v1.2.3", Commit: "abc", Epoch: epoch, Arch: "amd64"}
}

// TestImageIsReproducible: the same input gives the same digest; another
// epoch or binary another one.
func TestImageIsReproducible(t *testing.T) {
	digest := func(in Input) string {
		img, err := Image(in)
		if err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	a, b := digest(input()), digest(input())
	if a != b {
		t.Fatalf("two builds: %s and %s", a, b)
	}
	later := input()
	later.Epoch = epoch.Add(time.Second)
	other := input()
	other.Binary = []byte("other")
	if digest(later) == a || digest(other) == a {
		t.Error("a different epoch or binary gave the same digest")
	}
}

// TestImageContent: non-root user, the binary as entrypoint, and only the
// listed files (no shell), every timestamp at the epoch.
func TestImageContent(t *testing.T) {
	img, err := Image(input())
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Config.User != "65532:65532" || strings.Join(cf.Config.Entrypoint, " ") != "/kubeward" || !cf.Created.Equal(epoch) ||
		cf.Config.Labels["org.opencontainers.image.version"] != "v1.2.3" || cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Errorf("config: %+v created %v", cf.Config, cf.Created)
	}
	layers, _ := img.Layers()
	if len(layers) != 1 {
		t.Fatalf("%d layers", len(layers))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if !h.ModTime.Equal(epoch) {
			t.Errorf("%s: mtime %v", h.Name, h.ModTime)
		}
		if h.Name == "kubeward" {
			b, _ := io.ReadAll(tr)
			if string(b) != string(input().Binary) || h.Mode != 0o755 {
				t.Errorf("kubeward: mode %o, %q", h.Mode, b)
			}
		}
	}
	want := "etc/ etc/group etc/passwd home/ home/nonroot/ host/ kubeward tmp/"
	if strings.Join(names, " ") != want {
		t.Errorf("layer holds %v, want %s", names, want)
	}
}

// TestWriteLayoutAndArchive: the OCI layout holds the image and an SPDX
// referrer whose subject is the image; the docker archive loads back as
// the same image under its tag.
func TestWriteLayoutAndArchive(t *testing.T) {
	in := input()
	img, err := Image(in)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info")
	}
	sbom, err := SBOM(bi, in, d.String())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name string `json:"name"`
		} `json:"packages"`
		CreationInfo struct {
			Created string `json:"created"`
		} `json:"creationInfo"`
	}
	if err := json.Unmarshal(sbom, &doc); err != nil || doc.SPDXVersion != "SPDX-2.3" || len(doc.Packages) < 2 || doc.CreationInfo.Created != "2025-12-06T05:46:40Z" {
		t.Fatalf("SBOM: %v %+v", err, doc)
	}
	dir := t.TempDir()
	out, err := Write(dir, img, sbom, "kubeward.local/kubeward:v1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	p, err := layout.FromPath(out.Layout)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil || len(im.Manifests) != 2 {
		t.Fatalf("index: %v %+v", err, im)
	}
	if im.Manifests[0].Digest != d || im.Manifests[1].ArtifactType != sbomMediaType {
		t.Errorf("index manifests: %+v", im.Manifests)
	}
	raw, err := os.ReadFile(filepath.Join(out.Layout, "blobs", "sha256", im.Manifests[1].Digest.Hex))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		ArtifactType string `json:"artifactType"`
		Subject      struct {
			Digest string `json:"digest"`
		} `json:"subject"`
		Layers []struct {
			MediaType, Digest string
		} `json:"layers"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil || ref.Subject.Digest != d.String() || len(ref.Layers) != 1 || ref.Layers[0].MediaType != sbomMediaType {
		t.Errorf("referrer: %v %s", err, raw)
	}
	back, err := tarball.ImageFromPath(out.DockerArchive, nil)
	if err != nil {
		t.Fatal(err)
	}
	cn1, _ := img.ConfigName()
	cn2, _ := back.ConfigName()
	if cn1 != cn2 {
		t.Errorf("docker archive config %s, image %s", cn2, cn1)
	}
	if _, err := Write(dir, img, sbom, "Not A Ref!"); err == nil {
		t.Error("a bad image name was accepted")
	}
}

// TestBuildTwiceSameDigest builds the whole image twice from this work
// tree, binary included, into two directories: the same digest both times.
func TestBuildTwiceSameDigest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kubeward twice")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1765000000")
	digest := func() string {
		dir := t.TempDir()
		if err := run([]string{"--out", dir, "--src", "../..", "--version", "v0.0.0-repro", "--ref", "kubeward.local/kubeward:repro"}); err != nil {
			t.Fatal(err)
		}
		p, err := layout.FromPath(filepath.Join(dir, "oci"))
		if err != nil {
			t.Fatal(err)
		}
		idx, err := p.ImageIndex()
		if err != nil {
			t.Fatal(err)
		}
		im, err := idx.IndexManifest()
		if err != nil || len(im.Manifests) == 0 {
			t.Fatalf("%v %+v", err, im)
		}
		return im.Manifests[0].Digest.String()
	}
	a, b := digest(), digest()
	if a != b {
		t.Errorf("two builds of one tree: %s and %s", a, b)
	}
	t.Logf("two builds: %s", a)
}
