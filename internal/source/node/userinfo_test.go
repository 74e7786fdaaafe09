package node

import "testing"

func TestWithoutUserinfo(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://10.0.0.1:6443", "https://10.0.0.1:6443"},
		{"http://admin:hunter2@10.0.0.1:8080", "http://REDACTED@10.0.0.1:8080"},
		{"https://token@api.bank.internal", "https://REDACTED@api.bank.internal"},
		{"http://u:p%zz@h", "http://REDACTED@h"}, // not a URL Go parses
		{"", ""},
	}
	for _, tc := range tests {
		if got := WithoutUserinfo(tc.in); got != tc.want {
			t.Errorf("WithoutUserinfo(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
