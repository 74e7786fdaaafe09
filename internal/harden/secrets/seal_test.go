package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	sigsyaml "sigs.k8s.io/yaml"
)

// hybridDecrypt is the controller's side of the format, written from its
// description: it proves HybridEncrypt's layout and label binding.
func hybridDecrypt(priv *rsa.PrivateKey, data, label []byte) ([]byte, error) {
	if len(data) < 2 {
		return nil, errors.New("too short")
	}
	n := int(binary.BigEndian.Uint16(data))
	if len(data) < 2+n {
		return nil, errors.New("too short")
	}
	key, err := rsa.DecryptOAEP(sha256.New(), rand.Reader, priv, data[2:2+n], label)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return gcm.Open(nil, make([]byte, gcm.NonceSize()), data[2+n:], nil)
}

func certPEM(t *testing.T, pub, priv any) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sealed-secret"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestSealedSecret(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := SealingKey(certPEM(t, &priv.PublicKey, priv))
	if err != nil {
		t.Fatal(err)
	}
	const value = "Tr0ub4dor-do-not-print"
	obj, err := SealedSecret(Secret{Namespace: "payments", Name: "db", Type: "Opaque", Labels: map[string]string{"app": "pay"}, File: "db.yaml", Line: 3},
		map[string][]byte{"password": []byte(value), "username": []byte("app")}, pub)
	if err != nil {
		t.Fatal(err)
	}
	data, err := RenderSealed([]any{obj}, "en")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), value) {
		t.Fatal("the plaintext is in the SealedSecret")
	}
	var ss struct {
		APIVersion, Kind string
		Spec             struct {
			EncryptedData map[string]string `json:"encryptedData"`
			Template      struct {
				Metadata map[string]any `json:"metadata"`
				Type     string         `json:"type"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := sigsyaml.Unmarshal([]byte(strings.SplitN(string(data), "---\n", 2)[1]), &ss); err != nil {
		t.Fatal(err)
	}
	if ss.APIVersion != "bitnami.com/v1alpha1" || ss.Kind != "SealedSecret" || ss.Spec.Template.Type != "Opaque" || ss.Spec.Template.Metadata["name"] != "db" {
		t.Errorf("object %+v", ss)
	}
	raw, err := base64.StdEncoding.DecodeString(ss.Spec.EncryptedData["password"])
	if err != nil {
		t.Fatal(err)
	}
	got, err := hybridDecrypt(priv, raw, []byte("payments/db"))
	if err != nil || string(got) != value {
		t.Fatalf("unsealed %q, %v", got, err)
	}
	if _, err := hybridDecrypt(priv, raw, []byte("payments/other")); err == nil {
		t.Error("the value unseals under another Secret's name: the label does not bind it")
	}
	// Each sealing uses a fresh session key.
	a, _ := HybridEncrypt(rand.Reader, pub, []byte(value), []byte("l"))
	b, _ := HybridEncrypt(rand.Reader, pub, []byte(value), []byte("l"))
	if string(a) == string(b) {
		t.Error("two sealings of one value are equal")
	}

	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, in := range map[string][]byte{
		"not PEM":  []byte("hello"),
		"EC key":   certPEM(t, &ec.PublicKey, ec),
		"PEM type": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)}),
	} {
		if _, err := SealingKey(in); err == nil {
			t.Errorf("%s accepted as a sealing key", name)
		}
	}
}

func FuzzSealingKey(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = SealingKey(data)
	})
}
