package node

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/kubeward/kubeward/internal/source/host"
)

// kubeFiles records the kubelet's systemd unit and drop-ins when a kubelet
// runs (however it was found), and kubeadm's admin kubeconfigs when a
// control-plane component runs; only files that exist.
func (g *gatherer) kubeFiles() {
	kubelet, control := false, false
	for _, c := range g.n.Components {
		switch c.Kind {
		case host.Kubelet:
			kubelet = true
		case host.APIServer, host.ControllerManager, host.Scheduler, host.Etcd:
			control = true
		}
	}
	if kubelet {
		for _, d := range unitDirs {
			unit := filepath.Join(d, "kubelet.service")
			if _, err := g.f.Stat(unit); err == nil {
				g.n.KubeletUnits = append(g.n.KubeletUnits, unit)
			}
			dropins := filepath.Join(d, "kubelet.service.d")
			entries, err := g.f.ReadDir(dropins)
			if err != nil {
				continue
			}
			var names []string
			for _, e := range entries {
				if !e.IsDir() && strings.HasSuffix(e.Name(), ".conf") {
					names = append(names, e.Name())
				}
			}
			sort.Strings(names)
			for _, name := range names {
				g.n.KubeletUnits = append(g.n.KubeletUnits, filepath.Join(dropins, name))
			}
		}
		for _, p := range g.n.KubeletUnits {
			g.file(nil, p, "")
		}
	}
	if control {
		for _, p := range []string{"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf"} {
			if _, err := g.f.Stat(p); err == nil {
				g.n.AdminKubeconfigs = append(g.n.AdminKubeconfigs, p)
				g.file(nil, p, "")
			}
		}
	}
}
