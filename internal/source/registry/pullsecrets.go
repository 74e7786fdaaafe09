package registry

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// PullSecrets reads imagePullSecrets through the API (get secrets in the
// pods' namespaces) into keychains, keeping each Secret's credentials for
// a short while so admission under load does not read a Secret per review.
type PullSecrets struct {
	Client kubernetes.Interface
	TTL    time.Duration

	mu    sync.Mutex
	cache *lru
}

// NewPullSecrets reads Secrets with cs.
func NewPullSecrets(cs kubernetes.Interface) *PullSecrets {
	return &PullSecrets{Client: cs, TTL: 30 * time.Second, cache: newLRU(1024)}
}

// Keychain merges the credentials of the named Secrets of namespace. A
// Secret that cannot be read or is not a docker config is an error naming
// it (and never its value).
func (p *PullSecrets) Keychain(ctx context.Context, namespace string, names []string) (Keychain, error) {
	out := Keychain{}
	now := time.Now()
	for _, n := range names {
		key := namespace + "/" + n
		p.mu.Lock()
		v, ok := p.cache.get(key, now)
		p.mu.Unlock()
		if !ok {
			kc, err := p.read(ctx, namespace, n)
			if err != nil {
				return nil, err
			}
			v = kc
			p.mu.Lock()
			p.cache.put(key, kc, now.Add(p.TTL))
			p.mu.Unlock()
		}
		for h, a := range v.(Keychain) {
			if _, seen := out[h]; !seen { // the first Secret naming a host wins, as the kubelet does
				out[h] = a
			}
		}
	}
	return out, nil
}

func (p *PullSecrets) read(ctx context.Context, namespace, name string) (Keychain, error) {
	s, err := p.Client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("imagePullSecret %s/%s: %w", namespace, name, err)
	}
	var data []byte
	switch s.Type {
	case corev1.SecretTypeDockerConfigJson:
		data = s.Data[corev1.DockerConfigJsonKey]
	case corev1.SecretTypeDockercfg:
		data = s.Data[corev1.DockerConfigKey]
	default:
		return nil, fmt.Errorf("imagePullSecret %s/%s: type %s is not a docker config", namespace, name, s.Type)
	}
	kc, err := ParseDockerConfig(data)
	if err != nil {
		return nil, fmt.Errorf("imagePullSecret %s/%s: %w", namespace, name, err)
	}
	return kc, nil
}
