package registry_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeward/kubeward/internal/config"
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/registry"
	"github.com/kubeward/kubeward/internal/source/registry/registrytest"
)

// TestNotation: Notation signatures found through the OCI referrers API
// and, on a registry without it, the referrers tag schema; a signature by
// another CA is not trusted; an unsigned image has none.
func TestNotation(t *testing.T) {
	trusted, err := registrytest.NewNotationCA("release.bank.internal")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := registrytest.NewNotationCA("someone-else")
	for _, referrers := range []bool{true, false} {
		name := "referrers API"
		if !referrers {
			name = "referrers tag schema"
		}
		t.Run(name, func(t *testing.T) {
			reg := registrytest.StartWith(referrers)
			defer reg.Server.Close()
			dig := map[string]string{}
			for _, n := range []string{"signed", "otherca", "unsigned"} {
				if dig[n], err = reg.PushImage("team/"+n+":1.0", "notation "+n); err != nil {
					t.Fatal(err)
				}
			}
			if err := reg.SignNotation(trusted, "team/signed", dig["signed"]); err != nil {
				t.Fatal(err)
			}
			if err := reg.SignNotation(other, "team/otherca", dig["otherca"]); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			ca := filepath.Join(dir, "ca.pem")
			root := filepath.Join(dir, "root.pem")
			if err := os.WriteFile(ca, reg.CAPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(root, trusted.RootPEM, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := &config.SupplyChain{Registries: []config.SupplyChainRegistry{{Host: reg.Host, CAFile: ca}},
				Policies: []config.SupplyChainPolicy{{Namespaces: []string{"prod-*"},
					Notation: &config.NotationTrust{TrustStores: []config.NotationTrustStore{{Name: "release", Files: []string{root}}}}}}}
			v, err := registry.NewVerifier(cfg, nil, false)
			if err != nil {
				t.Fatal(err)
			}
			for n, want := range map[string]struct {
				state  inventory.SignatureState
				detail string
			}{
				"signed":   {inventory.SigVerified, ""},
				"otherca":  {inventory.SigUnsigned, "no Notation signature verifies with the trust stores ca:release"},
				"unsigned": {inventory.SigUnsigned, "no Notation signature"},
			} {
				ref := reg.Host + "/team/" + n + ":1.0"
				o := pod("prod-a", ref)
				v.Annotate(context.Background(), o, nil)
				img := o.Images[ref]
				if img.Error != "" || img.Signature != want.state || !strings.Contains(img.SignatureDetail, want.detail) {
					t.Errorf("%s: %s %q (error %q), want %s %q", n, img.Signature, img.SignatureDetail, img.Error, want.state, want.detail)
				}
				if n == "signed" && !strings.Contains(img.SignedBy, "CN=release.bank.internal") {
					t.Errorf("signed by %q", img.SignedBy)
				}
			}
			// The registry down: an error, not a verdict.
			reg.Down = true
			ref := reg.Host + "/team/unsigned@" + dig["unsigned"]
			o := pod("prod-b", ref)
			v2, _ := registry.NewVerifier(cfg, nil, false)
			v2.Annotate(context.Background(), o, nil)
			if img := o.Images[ref]; img.Error == "" {
				t.Errorf("registry down: %+v", img)
			}
		})
	}
}
