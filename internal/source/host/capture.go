package host

import "io/fs"

// Live reports whether the audit reads the machine it runs on (root "/"),
// where commands can be run and sockets queried. Otherwise it reads a
// mounted host or a snapshot, and command outputs come from CaptureDir.
func (f *FS) Live() bool { return f.Root == "" || f.Root == "/" }

// CaptureDir is where `kubeward collect node` stores command outputs and
// API answers inside a snapshot: <root>/kubeward/<name>.
const CaptureDir = "/kubeward"

// Names of captured outputs.
const (
	CaptureSSHD          = "sshd-T.txt"         // `sshd -T` output
	CaptureIPTables      = "iptables-save.txt"  // `iptables-save` output
	CaptureIP6Tables     = "ip6tables-save.txt" // `ip6tables-save` output
	CaptureNFT           = "nft-ruleset.txt"    // `nft list ruleset` output
	CaptureDockerInfo    = "docker/info.json"   // GET /info
	CaptureDockerVersion = "docker/version.json"
	// CaptureDockerContainers holds the JSON array of GET /containers/{id}/json for every container.
	CaptureDockerContainers = "docker/containers.json"
	CaptureFileMeta         = "files.json" // modes, owners and hashes of the files referenced
)

// MaxCaptureRead bounds one captured output: what Unpack lets a snapshot
// entry hold.
const MaxCaptureRead int64 = 64 << 20

// Captured reads a captured output from a snapshot or mounted host: a
// regular file of at most MaxCaptureRead bytes, resolved inside Root (a
// symbolic link in the snapshot cannot lead out of it).
func (f *FS) Captured(name string) ([]byte, bool) {
	b, err := f.ReadCaptured(name)
	return b, err == nil
}

// ReadCaptured is Captured with the reason a captured output could not be
// read: an error satisfying errors.Is(err, fs.ErrNotExist) when there is none.
// The live host has none: what it answers is asked, and a /kubeward
// directory on it is not read as a snapshot's (it would stand in for the
// node's inventory, file modes and open files).
func (f *FS) ReadCaptured(name string) ([]byte, error) {
	if f.Live() {
		return nil, &fs.PathError{Op: "read", Path: CaptureDir + "/" + name, Err: fs.ErrNotExist}
	}
	return f.ReadFileLimit(CaptureDir+"/"+name, MaxCaptureRead)
}
