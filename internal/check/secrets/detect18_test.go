package secrets

import (
	"encoding/base64"
	"testing"
)

// TestClassifyNamesAndValues: short and lower-case names, authorization
// headers, base64 of secrets and cloud credential names (FAIL when secret,
// PASS otherwise).
func TestClassifyNamesAndValues(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name, value string
		secret      bool
	}{
		// short and lower-case names
		{"pwd", "hunter2hunter2", true},
		{"passwd", "changeit", true},
		{"PWD", "/home/app", false},
		{"token", "abcd1234efgh", true},
		{"db_secret", "s3cr3t-value", true},
		{"auth", "admin:Sup3rS3cret", true},
		{"auth", "basic", false},
		{"AUTH", "oauth2", false},
		{"BASIC_AUTH", "admin:Passw0rd1", true},
		{"AUTH_TYPE", "Bearer", false},
		{"authorization", "Bearer eyJhbGciOiJIUzI1NiJ9x0abcdef1234", true},
		{"STRIPE_KEY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", true},
		{"app_key", "Zq8-3kLm_Pw9xY", true},
		{"ROUTING_KEY", "orders.created", false},
		{"CACHE_KEY", "UserProfile42", false},
		{"PUBLIC_KEY", "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", false},
		{"TOPOLOGY_KEY", "kubernetes.io/hostname", false},
		{"SORT_KEY", "createdAt", false},
		{"key", "x", false},
		// authorization header values, whatever the name
		{"HEADERS", "Authorization: Bearer 9f8e7d6c5b4a39281706abcd", true},
		{"UPSTREAM", "Basic " + b64("admin:hunter2!x"), true},
		{"MOTD", "Basic authentication is enabled", false},
		{"HEADERS", "Bearer ${TOKEN}", false},
		// base64 of secret-looking values
		{"CONFIG", b64("postgres://app:pa55word@db:5432/app"), true},
		{"BLOB", b64("db.password=hunter2hunter2\nport=5432"), true},
		{"CREDS", b64("deploy:Tr0ub4dor&3"), true},
		{"GREETING", b64("hello world, nothing here"), false},
		{"ID", b64("test"), false},
		// cloud credential names, whatever the value, unless a placeholder
		{"AWS_SECRET_ACCESS_KEY", "abc", true},
		{"AZURE_CLIENT_SECRET", "x", true},
		{"AWS_SECRET_ACCESS_KEY", "$(AWS_KEY)", false},
		{"AWS_SECRET_ACCESS_KEY", "${AWS_SECRET}", false},
		{"AWS_SECRET_ACCESS_KEY", "", false},
		{"AWS_ACCESS_KEY_ID_FILE", "/run/secrets/aws", false},
		{"GOOGLE_APPLICATION_CREDENTIALS", `{"type": "service_account", "private_key_id": "abc"}`, true},
		{"GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/google/key.json", false},
	}
	for _, tc := range tests {
		v := Classify(tc.name, tc.value)
		// A FAIL is a certain secret; high entropy alone stays a WARN.
		if fail := v.Secret && v.Certain; fail != tc.secret {
			t.Errorf("Classify(%q, %q) = %+v, want a certain secret: %v", tc.name, tc.value, v, tc.secret)
		}
	}
}

func TestScanTextHeadersAndCloud(t *testing.T) {
	tests := []struct {
		text string
		line int
	}{
		{"upstream:\n  headers:\n    Authorization: Bearer 0a1b2c3d4e5f6a7b8c9d\n", 3},
		{"[default]\naws_secret_access_key = wJalrXUtnFEMI\n", 2},
		{"# Basic authentication is configured below\nmode: basic\n", 0},
		{"aws_secret_access_key = ${AWS_SECRET}\n", 0},
	}
	for _, tc := range tests {
		if line, _, _ := ScanText(tc.text); line != tc.line {
			t.Errorf("ScanText(%q) line %d, want %d", tc.text, line, tc.line)
		}
	}
}
