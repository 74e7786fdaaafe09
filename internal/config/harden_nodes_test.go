package config

import "testing"

func TestHardenNodesAllowFrom(t *testing.T) {
	for _, tc := range []struct {
		allow []string
		ok    bool
	}{
		{[]string{"10.0.0.0/16", "192.168.1.5", "fd00::/8"}, true},
		{nil, true},
		{[]string{"10.0.0.0/33"}, false},
		{[]string{"node-1"}, false},
	} {
		err := HardenNodes{AllowFrom: tc.allow}.validate()
		if (err == nil) != tc.ok {
			t.Errorf("%v: %v", tc.allow, err)
		}
	}
}
