package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// UID and GID the image runs as (distroless "nonroot").
const nonRoot = 65532

// Media types of the SBOM referrer.
const (
	sbomMediaType  = "application/spdx+json"
	emptyMediaType = "application/vnd.oci.empty.v1+json"
)

// Input is everything the image is made of: the same Input gives the same
// digest.
type Input struct {
	Binary  []byte    // the static kubeward binary, at /kubeward
	Version string    // kubeward's version (a label)
	Commit  string    // the git commit (a label)
	Epoch   time.Time // SOURCE_DATE_EPOCH: every timestamp in the image
	Arch    string    // GOARCH of the binary
}

// file is one entry of the image's only layer.
type file struct {
	name string
	mode int64
	dir  bool
	data []byte
}

// rootFS is the image's file system, sorted: the binary, passwd and group
// naming the non-root user, an empty /tmp (sticky, for a writable emptyDir
// under a read-only root) and /host (the node scanner's host mount). No
// shell, no package manager, nothing else.
func rootFS(bin []byte) []file {
	fs := []file{
		{name: "etc/", mode: 0o755, dir: true},
		{name: "etc/group", mode: 0o644, data: fmt.Appendf(nil, "root:x:0:\nnonroot:x:%d:\n", nonRoot)},
		{name: "etc/passwd", mode: 0o644, data: fmt.Appendf(nil, "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", nonRoot, nonRoot)},
		{name: "home/", mode: 0o755, dir: true},
		{name: "home/nonroot/", mode: 0o700, dir: true},
		{name: "host/", mode: 0o755, dir: true},
		{name: "kubeward", mode: 0o755, data: bin},
		{name: "tmp/", mode: 0o1777, dir: true},
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].name < fs[j].name })
	return fs
}

// layerTar writes fs as a tar with every timestamp at epoch and owners
// fixed (root, but the non-root user's home).
func layerTar(fs []file, epoch time.Time) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range fs {
		h := &tar.Header{Name: f.name, Mode: f.mode, ModTime: epoch, AccessTime: epoch, ChangeTime: epoch, Format: tar.FormatPAX}
		if f.dir {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.data))
		}
		if strings.HasPrefix(f.name, "home/nonroot") {
			h.Uid, h.Gid = nonRoot, nonRoot
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer: %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("layer: %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	return buf.Bytes(), nil
}

// Image builds the OCI image from in.
func Image(in Input) (v1.Image, error) {
	raw, err := layerTar(rootFS(in.Binary), in.Epoch)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("layer: %w", err)
	}
	created := v1.Time{Time: in.Epoch.UTC()}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{Created: created, CreatedBy: "kubeward-image: /kubeward, /etc/passwd, /etc/group, /tmp, /host", Comment: "static kubeward " + in.Version}})
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS, cf.Created = in.Arch, "linux", created
	cf.Config = v1.Config{
		User:       fmt.Sprintf("%d:%d", nonRoot, nonRoot),
		Entrypoint: []string{"/kubeward"},
		WorkingDir: "/",
		Env:        []string{"HOME=/home/nonroot", "TMPDIR=/tmp"},
		Labels: map[string]string{
			"org.opencontainers.image.title":       "kubeward",
			"org.opencontainers.image.version":     in.Version,
			"org.opencontainers.image.revision":    in.Commit,
			"org.opencontainers.image.created":     in.Epoch.UTC().Format(time.RFC3339),
			"org.opencontainers.image.source":      "https://github.com/kubeward/kubeward",
			"org.opencontainers.image.licenses":    "Apache-2.0",
			"org.opencontainers.image.description": "kubeward: audit, harden and enforce a Kubernetes platform's security plan",
		},
	}
	return mutate.ConfigFile(img, cf)
}

// SBOM is an SPDX 2.3 document of the binary's Go build information: the
// main module and every dependency module with its version and checksum.
func SBOM(bi *debug.BuildInfo, in Input, imageDigest string) ([]byte, error) {
	type checksum struct {
		Algorithm string `json:"algorithm"`
		Value     string `json:"checksumValue"`
	}
	type ref struct {
		Category string `json:"referenceCategory"`
		Type     string `json:"referenceType"`
		Locator  string `json:"referenceLocator"`
	}
	type pkg struct {
		SPDXID           string     `json:"SPDXID"`
		Name             string     `json:"name"`
		Version          string     `json:"versionInfo,omitempty"`
		Supplier         string     `json:"supplier"`
		DownloadLocation string     `json:"downloadLocation"`
		FilesAnalyzed    bool       `json:"filesAnalyzed"`
		Checksums        []checksum `json:"checksums,omitempty"`
		ExternalRefs     []ref      `json:"externalRefs,omitempty"`
	}
	type rel struct {
		Element string `json:"spdxElementId"`
		Type    string `json:"relationshipType"`
		Related string `json:"relatedSpdxElement"`
	}
	id := func(path string) string {
		return "SPDXRef-Package-" + strings.NewReplacer("/", "-", ".", "-", "_", "-", "~", "-").Replace(path)
	}
	main := pkg{SPDXID: id(bi.Main.Path), Name: bi.Main.Path, Version: in.Version, Supplier: "NOASSERTION", DownloadLocation: "NOASSERTION",
		ExternalRefs: []ref{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + bi.Main.Path + "@" + in.Version}}}
	pkgs := []pkg{main}
	rels := []rel{{"SPDXRef-DOCUMENT", "DESCRIBES", main.SPDXID}}
	goPkg := pkg{SPDXID: "SPDXRef-Package-go-stdlib", Name: "stdlib", Version: bi.GoVersion, Supplier: "NOASSERTION", DownloadLocation: "NOASSERTION",
		ExternalRefs: []ref{{"PACKAGE-MANAGER", "purl", "pkg:golang/stdlib@" + bi.GoVersion}}}
	pkgs = append(pkgs, goPkg)
	rels = append(rels, rel{main.SPDXID, "DEPENDS_ON", goPkg.SPDXID})
	deps := append([]*debug.Module(nil), bi.Deps...)
	sort.Slice(deps, func(i, j int) bool { return deps[i].Path < deps[j].Path })
	for _, d := range deps {
		m := d
		if d.Replace != nil {
			m = d.Replace
		}
		p := pkg{SPDXID: id(d.Path), Name: d.Path, Version: m.Version, Supplier: "NOASSERTION", DownloadLocation: "NOASSERTION",
			ExternalRefs: []ref{{"PACKAGE-MANAGER", "purl", "pkg:golang/" + m.Path + "@" + m.Version}}}
		if strings.HasPrefix(m.Sum, "h1:") {
			p.Checksums = []checksum{{"SHA256", h1Hex(m.Sum)}}
		}
		pkgs = append(pkgs, p)
		rels = append(rels, rel{main.SPDXID, "DEPENDS_ON", p.SPDXID})
	}
	doc := map[string]any{
		"spdxVersion":       "SPDX-2.3",
		"dataLicense":       "CC0-1.0",
		"SPDXID":            "SPDXRef-DOCUMENT",
		"name":              "kubeward-" + in.Version,
		"documentNamespace": "https://github.com/kubeward/kubeward/spdx/" + in.Commit + "/" + strings.TrimPrefix(imageDigest, "sha256:"),
		"creationInfo": map[string]any{
			"created":  in.Epoch.UTC().Format(time.RFC3339),
			"creators": []string{"Tool: kubeward-image"},
		},
		"packages":      pkgs,
		"relationships": rels,
	}
	return json.MarshalIndent(doc, "", "  ")
}

// h1Hex is the hex of a Go module h1: checksum (base64 of a SHA-256).
func h1Hex(sum string) string {
	b, err := decodeBase64(strings.TrimPrefix(sum, "h1:"))
	if err != nil || len(b) != sha256.Size {
		return ""
	}
	return hex.EncodeToString(b)
}

// Outputs are the files Write made.
type Outputs struct {
	Layout, DockerArchive string
	Digest, SBOMDigest    string
}

// Write puts img and its SBOM into an OCI layout at dir/oci (the SBOM as
// an artifact manifest whose subject is the image: a referrer) and img
// alone into dir/kubeward.tar, a docker-archive `docker load` and
// `ctr images import` read, tagged ref.
func Write(dir string, img v1.Image, sbom []byte, ref string) (Outputs, error) {
	var out Outputs
	tag, err := name.NewTag(ref)
	if err != nil {
		return out, fmt.Errorf("image name %q: %w", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		return out, err
	}
	out.Digest = d.String()
	out.Layout = filepath.Join(dir, "oci")
	if err := os.RemoveAll(out.Layout); err != nil {
		return out, err
	}
	p, err := layout.Write(out.Layout, empty.Index)
	if err != nil {
		return out, fmt.Errorf("OCI layout: %w", err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag.TagStr(), "io.containerd.image.name": tag.Name()})); err != nil {
		return out, fmt.Errorf("OCI layout: %w", err)
	}
	subject, err := descriptorOf(img)
	if err != nil {
		return out, err
	}
	sbomDesc, err := writeBlob(p, sbomMediaType, sbom)
	if err != nil {
		return out, err
	}
	cfgDesc, err := writeBlob(p, emptyMediaType, []byte("{}"))
	if err != nil {
		return out, err
	}
	sbomDesc.Annotations = map[string]string{"org.opencontainers.image.title": "kubeward.spdx.json"}
	manifest := map[string]any{
		"schemaVersion": 2,
		"mediaType":     string(types.OCIManifestSchema1),
		"artifactType":  sbomMediaType,
		"config":        cfgDesc,
		"layers":        []v1.Descriptor{sbomDesc},
		"subject":       subject,
		"annotations":   map[string]string{"org.opencontainers.image.created": createdOf(img)},
	}
	raw, err := json.Marshal(manifest)
	if err != nil {
		return out, err
	}
	mDesc, err := writeBlob(p, string(types.OCIManifestSchema1), raw)
	if err != nil {
		return out, err
	}
	mDesc.ArtifactType = sbomMediaType
	if err := p.AppendDescriptor(mDesc); err != nil {
		return out, fmt.Errorf("OCI layout: %w", err)
	}
	out.SBOMDigest = mDesc.Digest.String()
	out.DockerArchive = filepath.Join(dir, "kubeward.tar")
	if err := tarball.WriteToFile(out.DockerArchive, tag, img); err != nil {
		return out, fmt.Errorf("docker archive: %w", err)
	}
	return out, nil
}

func descriptorOf(img v1.Image) (v1.Descriptor, error) {
	d, err := img.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	size, err := img.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Digest: d, Size: size}, nil
}

func createdOf(img v1.Image) string {
	cf, err := img.ConfigFile()
	if err != nil {
		return ""
	}
	return cf.Created.UTC().Format(time.RFC3339)
}

func writeBlob(p layout.Path, mt string, data []byte) (v1.Descriptor, error) {
	h, size, err := v1.SHA256(bytes.NewReader(data))
	if err != nil {
		return v1.Descriptor{}, err
	}
	if err := p.WriteBlob(h, io.NopCloser(bytes.NewReader(data))); err != nil {
		return v1.Descriptor{}, fmt.Errorf("OCI layout: blob %s: %w", h, err)
	}
	return v1.Descriptor{MediaType: types.MediaType(mt), Digest: h, Size: size}, nil
}
