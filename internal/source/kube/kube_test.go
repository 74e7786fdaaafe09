package kube

import "testing"

func TestEncryptionOf(t *testing.T) {
	tests := []struct {
		raw, provider, key string
	}{
		{"k8s:enc:aescbc:v1:key1:\x00\x01garbage", "aescbc v1", "key1"},
		{"k8s:enc:kms:v2:vault:\x0a\x0b", "kms v2", "vault"},
		{"k8s\x00\x0a\x0cv1\x12\x06Secret", "", ""},
		{`{"kind":"Secret"}`, "", ""},
	}
	for _, tc := range tests {
		p, k := EncryptionOf([]byte(tc.raw))
		if p != tc.provider || k != tc.key {
			t.Errorf("EncryptionOf(%q) = %q, %q; want %q, %q", tc.raw, p, k, tc.provider, tc.key)
		}
	}
}
