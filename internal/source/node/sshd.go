package node

import (
	"github.com/kubeward/kubeward/internal/inventory"
	"github.com/kubeward/kubeward/internal/source/host"
	"github.com/kubeward/kubeward/internal/source/sshd"
)

// sshd reads every sshd listener's configuration (sshd -T with its own
// options on the node itself, the captured answer on a snapshot, its
// files otherwise), or the default configuration of an sshd installed but
// not running.
func (g *gatherer) sshd() {
	f := g.f
	comps := g.n.ComponentsOf(inventory.SSHD)
	var capture []byte
	if !f.Live() {
		capture, _ = f.Captured(host.CaptureSSHD)
	}
	if len(comps) == 0 {
		if _, err := f.Stat(sshd.DefaultConfig); err != nil && capture == nil {
			g.n.SSHDDefault = &inventory.SSHDConfig{ConfigFile: sshd.DefaultConfig, Missing: true}
			return
		}
		g.n.SSHDDefault = sshdConfig(sshd.Read(f, nil, capture))
		return
	}
	for _, c := range comps {
		captured := capture
		if captured != nil && len(comps) > 1 && sshd.ParseArgs(c.Args).ConfigNamed {
			captured = nil // the capture is of the default configuration
		}
		c.SSHD = sshdConfig(sshd.Read(f, c, captured))
	}
}

func sshdConfig(e *sshd.Effective) *inventory.SSHDConfig {
	out := &inventory.SSHDConfig{ConfigFile: e.Options.ConfigFile, HasT: e.T != nil, Values: map[string]inventory.SSHDValue{}}
	if e.ConfigErr != nil {
		out.ConfigError = e.ConfigErr.Error()
	}
	if e.TErr != nil {
		out.TError = e.TErr.Error()
	}
	for keyword := range sshd.Defaults {
		v := e.Resolve(keyword)
		out.Values[v.Keyword] = inventory.SSHDValue{Name: sshd.Name(keyword), Value: v.Value, Default: v.Default, From: v.From, File: v.File, Line: v.Line}
	}
	if e.Config != nil {
		for _, m := range e.Config.Matches {
			sm := inventory.SSHDMatch{Criteria: m.Criteria, File: m.File, Line: m.Line}
			for _, s := range m.Settings {
				sm.Settings = append(sm.Settings, inventory.SSHDSetting{Keyword: s.Keyword, Value: s.Value(), File: s.File, Line: s.Line})
			}
			out.Matches = append(out.Matches, sm)
		}
	}
	return out
}
