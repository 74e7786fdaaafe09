package secrets

import "testing"

func TestClassify(t *testing.T) {
	tests := []struct {
		name, value string
		secret      bool
		certain     bool
	}{
		{"DB_PASSWORD", "S3cr3t-Passw0rd!", true, true},
		{"db.password", "changeit", true, true},
		{"API_KEY", "abcd1234", true, true},
		{"GITHUB", "ghp_abcdefghijklmnopqrstuvwxyz0123456789", true, true},
		{"AWS", "AKIAIOSFODNN7EXAMPLE", true, true},
		{"DATABASE_URL", "postgres://app:pa55word@db:5432/app", true, true},
		{"KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIE", true, true},
		{"SESSION", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", true, true},
		{"RANDOM", "q7Vx9LmP2aZr8KwT4nBy6CdF", true, false},
		{"DB_PASSWORD_FILE", "/run/secrets/db", false, false},
		{"TOKEN_TTL", "3600", false, false},
		{"SECRET_NAME", "db-credentials", false, false},
		{"PWD", "/home/app", false, false},
		{"ENABLE_TOKEN", "true", false, false},
		{"LOG_LEVEL", "info", false, false},
		{"DATABASE_URL", "postgres://db:5432/app", false, false},
		{"DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/app", false, false},
		{"IMAGE", "registry/app@sha256:0f3c6e7b2a1d4c5e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e", false, false},
		{"UUID", "123e4567-e89b-12d3-a456-426614174000", false, false},
		{"PASSWORD", "", false, false},
	}
	for _, tc := range tests {
		v := Classify(tc.name, tc.value)
		if v.Secret != tc.secret || v.Certain != tc.certain {
			t.Errorf("Classify(%q, %q) = %+v, want secret=%v certain=%v", tc.name, tc.value, v, tc.secret, tc.certain)
		}
	}
}

func TestScanText(t *testing.T) {
	tests := []struct {
		text string
		line int
	}{
		{"server.port=8080\ndb.password=hunter2hunter2\n", 2},
		{"db:\n  host: x\n  password: \"s3cret!!\"\n", 3},
		{"db:\n  passwordFile: /run/secrets/db\n  user: app\n", 0},
		{"[client]\nkey = ${KEY}\n", 0},
	}
	for _, tc := range tests {
		if line, _, _ := ScanText(tc.text); line != tc.line {
			t.Errorf("ScanText(%q) line %d, want %d", tc.text, line, tc.line)
		}
	}
}

func TestRedactNeverRevealsValue(t *testing.T) {
	if got := Redact("hunter2"); got != "<redacted, 7 chars>" {
		t.Errorf("Redact = %q", got)
	}
}
