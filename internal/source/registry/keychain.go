package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Keychain maps registry hosts to credentials: a pod's imagePullSecrets or
// the webhook's own docker config. It never logs or prints a credential.
type Keychain map[string]authn.AuthConfig

// Resolve implements authn.Keychain.
func (k Keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := k[strings.ToLower(r.RegistryStr())]; ok {
		return authn.FromConfig(a), nil
	}
	return authn.Anonymous, nil
}

// dockerConfig is a docker config.json or a .dockerconfigjson Secret's
// value; .dockercfg Secrets hold the auths map alone.
type dockerConfig struct {
	Auths map[string]dockerAuth `json:"auths"`
}

type dockerAuth struct {
	Username      string `json:"username"`
	Password      string `json:"password"`
	Auth          string `json:"auth"`
	IdentityToken string `json:"identitytoken"`
	RegistryToken string `json:"registrytoken"`
}

// ParseDockerConfig reads a docker config.json (or a .dockerconfigjson
// value) into a keychain keyed by registry host.
func ParseDockerConfig(data []byte) (Keychain, error) {
	var dc dockerConfig
	if err := json.Unmarshal(data, &dc); err != nil {
		return nil, fmt.Errorf("docker config: %w", err)
	}
	if dc.Auths == nil {
		// .dockercfg: the auths map itself.
		if err := json.Unmarshal(data, &dc.Auths); err != nil {
			return nil, errors.New("docker config: no auths")
		}
	}
	kc := Keychain{}
	for host, a := range dc.Auths {
		h := strings.ToLower(host)
		h = strings.TrimPrefix(strings.TrimPrefix(h, "https://"), "http://")
		h = strings.SplitN(h, "/", 2)[0]
		if h == "" {
			continue
		}
		ac := authn.AuthConfig{Username: a.Username, Password: a.Password, IdentityToken: a.IdentityToken, RegistryToken: a.RegistryToken}
		if a.Auth != "" {
			raw, err := base64.StdEncoding.DecodeString(a.Auth)
			if err != nil {
				return nil, fmt.Errorf("docker config: auth of %s is not base64", h)
			}
			u, p, ok := strings.Cut(string(raw), ":")
			if !ok {
				return nil, fmt.Errorf("docker config: auth of %s is not user:password", h)
			}
			ac.Username, ac.Password = u, p
		}
		kc[h] = ac
	}
	return kc, nil
}
