package inventory

import (
	"reflect"
	"testing"
)

func TestComponentsOf(t *testing.T) {
	api := &Component{Kind: "kube-apiserver"}
	k1, k2 := &Component{Kind: "kubelet", PID: 1}, &Component{Kind: "kubelet", PID: 2}
	n := &Node{Components: []*Component{k1, api, k2}}
	tests := []struct {
		kind string
		want []*Component
	}{
		{"kubelet", []*Component{k1, k2}},
		{"kube-apiserver", []*Component{api}},
		{"etcd", nil},
	}
	for _, tc := range tests {
		if got := n.ComponentsOf(tc.kind); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ComponentsOf(%s) = %v, want %v", tc.kind, got, tc.want)
		}
	}
}

func TestComponentSubjectAndOrigin(t *testing.T) {
	tests := []struct {
		name       string
		c          Component
		subject    string
		wantOrigin string
	}{
		{"process", Component{PID: 42, Source: "process"}, "node1 (pid 42)", "/proc/42/cmdline"},
		{"static pod", Component{PID: 42, Source: "static pod", SourceFile: "/etc/kubernetes/manifests/etcd.yaml"}, "node1 (pid 42)", "/etc/kubernetes/manifests/etcd.yaml"},
		{"systemd unit, not running", Component{Source: "systemd unit", SourceFile: "/etc/systemd/system/kubelet.service"}, "node1", "/etc/systemd/system/kubelet.service"},
		{"neither", Component{Source: "static pod (API)"}, "node1", "static pod (API)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Subject("node1"); got != tc.subject {
				t.Errorf("Subject = %q, want %q", got, tc.subject)
			}
			if got := tc.c.Origin(); got != tc.wantOrigin {
				t.Errorf("Origin = %q, want %q", got, tc.wantOrigin)
			}
		})
	}
}

func TestComponentFlag(t *testing.T) {
	c := &Component{Flags: map[string][]string{
		"anonymous-auth": {"true", "false"},
		"profiling":      {"false"},
		"empty":          {""},
		"none":           {},
	}}
	tests := []struct {
		name   string
		want   string
		wantOK bool
	}{
		{"anonymous-auth", "false", true}, // the last occurrence wins, as in the flag library
		{"profiling", "false", true},
		{"empty", "", true},
		{"none", "", false},
		{"missing", "", false},
	}
	for _, tc := range tests {
		got, ok := c.Flag(tc.name)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("Flag(%s) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
	if _, ok := (&Component{}).Flag("x"); ok {
		t.Error("Flag on a component without flags reports a value")
	}
}

func TestComponentConfigValue(t *testing.T) {
	c := &Component{Config: map[string]any{
		"authentication": map[string]any{
			"anonymous": map[string]any{"enabled": false},
			"webhook":   map[string]any{"cacheTTL": "2m"},
		},
		"readOnlyPort":    float64(0),
		"tlsCipherSuites": []any{"A", "B"},
	}}
	tests := []struct {
		key    string
		want   any
		wantOK bool
	}{
		{"authentication.anonymous.enabled", false, true},
		{"authentication.webhook.cacheTTL", "2m", true},
		{"readOnlyPort", float64(0), true},
		{"tlsCipherSuites", []any{"A", "B"}, true},
		{"authentication.anonymous", map[string]any{"enabled": false}, true},
		{"authentication.x509.clientCAFile", nil, false},
		{"readOnlyPort.value", nil, false}, // descends into a scalar
		{"missing", nil, false},
		{"", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			got, ok := c.ConfigValue(tc.key)
			if ok != tc.wantOK || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ConfigValue(%q) = %#v, %v; want %#v, %v", tc.key, got, ok, tc.want, tc.wantOK)
			}
		})
	}
	if v, ok := (&Component{}).ConfigValue("a"); ok || v != nil {
		t.Errorf("ConfigValue without a config file = %v, %v", v, ok)
	}
}
