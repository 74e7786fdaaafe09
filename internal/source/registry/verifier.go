package registry

import (
	"container/list"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/singleflight"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
)

// Cache bounds and lifetimes: a verdict on a digest holds for VerdictTTL
// (a signature added later is seen after that), a tag's digest for TagTTL.
const (
	CacheEntries = 4096
	VerdictTTL   = 10 * time.Minute
	TagTTL       = 30 * time.Second
)

// Verifier fills the supply-chain facts of objects' images.
type Verifier struct {
	cfg     *config.SupplyChain
	client  *Client
	keys    [][]Key // per policy
	notary  []*notationTrust
	reports Reports
	offline bool
	// Now is the clock of the caches (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	verdicts *lru
	tags     *lru
	// flight joins concurrent misses of one key into one registry call.
	flight singleflight.Group
}

// NewVerifier loads the policies' keys and, unless offline, builds the
// registry client. reports are scanner reports given as files.
func NewVerifier(cfg *config.SupplyChain, reports Reports, offline bool) (*Verifier, error) {
	v := &Verifier{cfg: cfg, reports: reports, offline: offline, Now: time.Now,
		verdicts: newLRU(CacheEntries), tags: newLRU(CacheEntries)}
	if v.reports == nil {
		v.reports = Reports{}
	}
	for i := range cfg.Policies {
		ks, err := LoadKeys(cfg.Policies[i].CosignKeys)
		if err != nil {
			return nil, fmt.Errorf("supplyChain.policies[%d]: %w", i, err)
		}
		v.keys = append(v.keys, ks)
		nt, err := LoadNotation(cfg.Policies[i].Notation)
		if err != nil {
			return nil, fmt.Errorf("supplyChain.policies[%d]: %w", i, err)
		}
		v.notary = append(v.notary, nt)
	}
	if !offline {
		c, err := NewClient(cfg)
		if err != nil {
			return nil, err
		}
		v.client = c
	}
	return v, nil
}

// verdict is what is cached per policy and digest.
type verdict struct {
	sig  sigVerdict
	scan *inventory.Scan
}

// Annotate fills obj.Images for the images of obj's pod template when a
// supply-chain policy covers obj's namespace. pull holds the credentials
// of the pod's imagePullSecrets (nil for none).
func (v *Verifier) Annotate(ctx context.Context, obj *inventory.Object, pull Keychain) {
	w, ok := obj.Workload()
	if !ok {
		return
	}
	idx := v.policyIndex(obj.Namespace)
	if idx < 0 {
		return
	}
	running := map[string]string{}
	if pod, ok := obj.Typed.(*corev1.Pod); ok {
		for _, sts := range [][]corev1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
			for _, s := range sts {
				if d := digestsOf([]string{s.ImageID}); len(d) == 1 {
					running[s.Name] = d[0]
				}
			}
		}
	}
	images := map[string]*inventory.Image{}
	each := func(c *corev1.Container) {
		if c.Image == "" {
			return
		}
		img, ok := images[c.Image]
		if !ok {
			img = v.facts(ctx, idx, c.Image, pull)
			images[c.Image] = img
		}
		if d := running[c.Name]; d != "" && img.RunningDigest == "" {
			img.RunningDigest = d
		}
	}
	for i := range w.Spec.InitContainers {
		each(&w.Spec.InitContainers[i])
	}
	for i := range w.Spec.Containers {
		each(&w.Spec.Containers[i])
	}
	for i := range w.Spec.EphemeralContainers {
		c := corev1.Container(w.Spec.EphemeralContainers[i].EphemeralContainerCommon)
		each(&c)
	}
	obj.Images = images
}

func (v *Verifier) policyIndex(namespace string) int {
	p := v.cfg.PolicyFor(namespace)
	if p == nil {
		return -1
	}
	for i := range v.cfg.Policies {
		if &v.cfg.Policies[i] == p {
			return i
		}
	}
	return -1
}

// facts resolves one image reference under policy idx.
func (v *Verifier) facts(ctx context.Context, idx int, ref string, pull Keychain) *inventory.Image {
	img := &inventory.Image{Ref: ref, Policy: v.vulnPolicy(idx), Offline: v.offline}
	r, err := name.ParseReference(ref)
	if err != nil {
		img.Error = fmt.Sprintf("image reference %q: %v", ref, err)
		return img
	}
	if d, ok := r.(name.Digest); ok {
		img.PinnedDigest = d.DigestStr()
		img.Digest = img.PinnedDigest
	}
	if v.offline {
		img.Signature = inventory.SigNotRequired
		if len(v.keys[idx]) > 0 || v.notary[idx] != nil {
			img.Signature = ""
		}
		if img.Digest != "" {
			img.Scan = v.reports[img.Digest]
		}
		return img
	}
	if img.Digest == "" {
		d, err := v.resolve(ctx, r, pull)
		if err != nil {
			img.Error = err.Error()
			return img
		}
		img.Digest = d
	}
	vd, err := v.verdictOf(ctx, idx, r.Context(), img.Digest, pull)
	if err != nil {
		img.Error = err.Error()
		return img
	}
	img.Signature, img.SignedBy, img.SignatureDetail = vd.sig.State, vd.sig.By, vd.sig.Detail
	img.Scan = vd.scan
	return img
}

func (v *Verifier) resolve(ctx context.Context, r name.Reference, pull Keychain) (string, error) {
	key := r.Name()
	now := v.Now()
	v.mu.Lock()
	if e, ok := v.tags.get(key, now); ok {
		v.mu.Unlock()
		return e.(string), nil
	}
	v.mu.Unlock()
	res, err, _ := v.flight.Do("tag|"+key, func() (any, error) {
		d, err := v.client.Resolve(ctx, r, pull)
		if err != nil {
			return "", err
		}
		v.mu.Lock()
		v.tags.put(key, d, now.Add(TagTTL))
		v.mu.Unlock()
		return d, nil
	})
	if err != nil {
		return "", err
	}
	return res.(string), nil
}

func (v *Verifier) verdictOf(ctx context.Context, idx int, repo name.Repository, digest string, pull Keychain) (verdict, error) {
	key := fmt.Sprintf("%d|%s@%s", idx, repo.Name(), digest)
	now := v.Now()
	v.mu.Lock()
	if e, ok := v.verdicts.get(key, now); ok {
		v.mu.Unlock()
		return e.(verdict), nil
	}
	v.mu.Unlock()
	res, err, _ := v.flight.Do(key, func() (any, error) { return v.verify(ctx, idx, key, repo, digest, pull, now) })
	if err != nil {
		return verdict{}, err
	}
	return res.(verdict), nil
}

// verify asks the registry (and Harbor) for the verdict of repo@digest and
// caches it.
func (v *Verifier) verify(ctx context.Context, idx int, key string, repo name.Repository, digest string, pull Keychain, now time.Time) (verdict, error) {
	sig, err := v.signatures(ctx, idx, repo, digest, pull)
	if err != nil {
		return verdict{}, err
	}
	vd := verdict{sig: sig, scan: v.reports[digest]}
	att, err := v.client.VulnAttestation(ctx, repo, digest, v.keys[idx], pull) // attestation.go
	if err != nil {
		return verdict{}, err
	}
	if att != nil && (vd.scan == nil || att.Time.After(vd.scan.Time)) {
		vd.scan = att
	}
	if h := v.client.harbor; h != nil && strings.EqualFold(hostOf(h.URL), repo.RegistryStr()) {
		hctx, cancel := v.client.call(ctx)
		s, err := h.Scan(hctx, repo.RepositoryStr(), digest)
		cancel()
		if err != nil {
			return verdict{}, err
		}
		if s != nil && (vd.scan == nil || s.Time.After(vd.scan.Time)) {
			vd.scan = s
		}
	}
	v.mu.Lock()
	v.verdicts.put(key, vd, now.Add(VerdictTTL))
	v.mu.Unlock()
	return vd, nil
}

// signatures verifies cosign and Notation signatures: one that verifies
// is enough; otherwise an invalid one (another digest) wins over none.
func (v *Verifier) signatures(ctx context.Context, idx int, repo name.Repository, digest string, pull Keychain) (sigVerdict, error) {
	nt := v.notary[idx]
	if len(v.keys[idx]) == 0 && nt == nil {
		return sigVerdict{State: inventory.SigNotRequired}, nil
	}
	var out []sigVerdict
	if len(v.keys[idx]) > 0 {
		s, err := v.client.VerifyCosign(ctx, repo, digest, v.keys[idx], pull)
		if err != nil {
			return sigVerdict{}, err
		}
		if s.State == inventory.SigVerified {
			return s, nil
		}
		out = append(out, s)
	}
	if nt != nil {
		s, err := v.client.VerifyNotation(ctx, repo, digest, nt, pull)
		if err != nil {
			return sigVerdict{}, err
		}
		if s.State == inventory.SigVerified {
			return s, nil
		}
		out = append(out, s)
	}
	res := sigVerdict{State: inventory.SigUnsigned}
	var details []string
	for _, s := range out {
		if s.State == inventory.SigInvalid {
			res.State = inventory.SigInvalid
		}
		details = append(details, s.Detail)
	}
	res.Detail = strings.Join(details, "; ")
	return res, nil
}

func hostOf(u string) string {
	h := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return strings.SplitN(h, "/", 2)[0]
}

func (v *Verifier) vulnPolicy(idx int) *inventory.VulnPolicy {
	g := v.cfg.Policies[idx].Vulnerabilities
	p := &inventory.VulnPolicy{DenyAtOrAbove: g.DenyAtOrAbove, RequireScan: g.RequireScan, MaxAge: time.Duration(g.MaxAgeDays) * 24 * time.Hour}
	for i := range g.Exceptions {
		e := &g.Exceptions[i]
		p.Exceptions = append(p.Exceptions, inventory.CVEException{ID: e.CVE, Reason: e.Reason, Expiry: e.Expiry()})
	}
	return p
}

// lru is a cache of bounded size with per-entry expiry; callers lock.
type lru struct {
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type lruEntry struct {
	key     string
	val     any
	expires time.Time
}

func newLRU(max int) *lru { return &lru{max: max, ll: list.New(), items: map[string]*list.Element{}} }

func (c *lru) get(key string, now time.Time) (any, bool) {
	e, ok := c.items[key]
	if !ok {
		return nil, false
	}
	ent := e.Value.(*lruEntry)
	if !now.Before(ent.expires) {
		c.ll.Remove(e)
		delete(c.items, key)
		return nil, false
	}
	c.ll.MoveToFront(e)
	return ent.val, true
}

func (c *lru) put(key string, val any, expires time.Time) {
	if e, ok := c.items[key]; ok {
		e.Value = &lruEntry{key, val, expires}
		c.ll.MoveToFront(e)
		return
	}
	c.items[key] = c.ll.PushFront(&lruEntry{key, val, expires})
	for c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*lruEntry).key)
	}
}
