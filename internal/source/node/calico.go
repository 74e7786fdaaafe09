package node

import (
	"encoding/json"
	"sort"

	"sigs.k8s.io/yaml"

	"github.com/kubeward/kubeward/internal/inventory"
)

// calico records Calico's datastore settings from calicoctl's
// configuration and from the Calico CNI plugin's configurations (read
// through the FS: bounded, typed, a FIFO is never opened, resolved inside
// the root).
func (g *gatherer) calico() {
	if b, err := g.f.ReadFile("/etc/calico/calicoctl.cfg"); err == nil {
		var cfg struct {
			Spec struct {
				DatastoreType  string `json:"datastoreType"`
				EtcdEndpoints  string `json:"etcdEndpoints"`
				EtcdCACertFile string `json:"etcdCACertFile"`
				EtcdCertFile   string `json:"etcdCertFile"`
				EtcdKeyFile    string `json:"etcdKeyFile"`
			} `json:"spec"`
		}
		if yaml.Unmarshal(b, &cfg) == nil {
			s := cfg.Spec
			g.n.Calico = append(g.n.Calico, inventory.CalicoConfig{File: "/etc/calico/calicoctl.cfg", Datastore: s.DatastoreType,
				Endpoints: s.EtcdEndpoints, CA: s.EtcdCACertFile, Cert: s.EtcdCertFile, Key: s.EtcdKeyFile})
		}
	}
	entries, _ := g.f.ReadDir("/etc/cni/net.d")
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		rel := "/etc/cni/net.d/" + e.Name()
		b, err := g.f.ReadFile(rel)
		if err != nil {
			continue
		}
		var conf struct {
			Type    string           `json:"type"`
			Plugins []map[string]any `json:"plugins"`
		}
		if json.Unmarshal(b, &conf) != nil {
			continue
		}
		plugins := conf.Plugins
		if conf.Type != "" {
			var single map[string]any
			_ = json.Unmarshal(b, &single)
			plugins = append(plugins, single)
		}
		for _, p := range plugins {
			if p["type"] != "calico" {
				continue
			}
			str := func(k string) string { s, _ := p[k].(string); return s }
			g.n.Calico = append(g.n.Calico, inventory.CalicoConfig{File: rel, Datastore: str("datastore_type"), Endpoints: str("etcd_endpoints"),
				CA: str("etcd_ca_cert_file"), Cert: str("etcd_cert_file"), Key: str("etcd_key_file")})
		}
	}
}
