package config

import (
	"fmt"
	"net"
	"strings"
)

// HardenNodes are the values `kubeward harden node` writes into the host
// firewall: the networks allowed to reach the Kubernetes ports (other
// nodes, load balancers, administrators). --allow-from adds to them.
//
//	harden:
//	  nodes:
//	    allowFrom: [10.0.0.0/16, 192.168.10.5]
type HardenNodes struct {
	AllowFrom []string `yaml:"allowFrom"`
}

func (h HardenNodes) validate() error {
	for i, s := range h.AllowFrom {
		s = strings.TrimSpace(s)
		if _, _, err := net.ParseCIDR(s); err == nil {
			continue
		}
		if net.ParseIP(s) == nil {
			return fmt.Errorf("harden.nodes.allowFrom[%d] %q: not an address or CIDR", i, s)
		}
	}
	return nil
}
