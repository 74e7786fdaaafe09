package inventory

// The Docker Engine's state as internal/source/docker reads it (the API
// answers over the daemon's socket, or those a snapshot captured), and the
// facts the node source gathers around each dockerd: its listeners, its
// sockets' owners and modes, its data root's filesystem.

// DockerInfo is the part of GET /info kubeward reads.
type DockerInfo struct {
	ID                 string               `json:"ID"`
	Name               string               `json:"Name"`
	ServerVersion      string               `json:"ServerVersion"`
	Driver             string               `json:"Driver"`
	DockerRootDir      string               `json:"DockerRootDir"`
	LoggingDriver      string               `json:"LoggingDriver"`
	LiveRestoreEnabled bool                 `json:"LiveRestoreEnabled"`
	SecurityOptions    []string             `json:"SecurityOptions"`
	RegistryConfig     DockerRegistryConfig `json:"RegistryConfig"`
	Containers         int                  `json:"Containers"`
	ExperimentalBuild  bool                 `json:"ExperimentalBuild"`
	Swarm              DockerSwarm          `json:"Swarm"`
}

// DockerSwarm is /info's swarm section.
type DockerSwarm struct {
	// LocalNodeState: "inactive", "pending", "active", "error", "locked".
	LocalNodeState   string              `json:"LocalNodeState"`
	ControlAvailable bool                `json:"ControlAvailable"`
	Nodes            int                 `json:"Nodes"`
	Managers         int                 `json:"Managers"`
	Cluster          *DockerSwarmCluster `json:"Cluster,omitempty"`
}

// DockerSwarmCluster is the swarm's cluster info (managers only).
type DockerSwarmCluster struct {
	Spec struct {
		EncryptionConfig struct {
			AutoLockManagers bool `json:"AutoLockManagers"`
		} `json:"EncryptionConfig"`
	} `json:"Spec"`
}

// DockerRegistryConfig is /info's registry section.
type DockerRegistryConfig struct {
	InsecureRegistryCIDRs []string                     `json:"InsecureRegistryCIDRs"`
	IndexConfigs          map[string]DockerIndexConfig `json:"IndexConfigs"`
	Mirrors               []string                     `json:"Mirrors"`
}

// DockerIndexConfig is one registry the daemon knows.
type DockerIndexConfig struct {
	Name    string   `json:"Name"`
	Mirrors []string `json:"Mirrors"`
	Secure  bool     `json:"Secure"`
}

// DockerVersion is the part of GET /version kubeward reads.
type DockerVersion struct {
	Version       string `json:"Version"`
	APIVersion    string `json:"ApiVersion"`
	MinAPIVersion string `json:"MinAPIVersion"`
	Os            string `json:"Os"`
	Arch          string `json:"Arch"`
	KernelVersion string `json:"KernelVersion"`
}

// DockerSummary is one entry of GET /containers/json?all=1.
type DockerSummary struct {
	ID    string   `json:"Id"`
	Names []string `json:"Names"`
	State string   `json:"State"`
}

// DockerContainer is the part of GET /containers/{id}/json kubeward reads.
type DockerContainer struct {
	ID              string                `json:"Id"`
	Name            string                `json:"Name"`
	Image           string                `json:"Image"`
	AppArmorProfile string                `json:"AppArmorProfile"`
	ProcessLabel    string                `json:"ProcessLabel"`
	State           DockerContainerState  `json:"State"`
	Config          DockerContainerConfig `json:"Config"`
	HostConfig      DockerHostConfig      `json:"HostConfig"`
	Mounts          []DockerMount         `json:"Mounts"`
	// Processes are the executable names of the container's processes
	// (GET /containers/{id}/top, running containers only; arguments are
	// left out: they may hold secrets). ProcessesKnown is set when they
	// were read.
	Processes      []string `json:"kubewardProcesses,omitempty"`
	ProcessesKnown bool     `json:"kubewardProcessesKnown,omitempty"`
}

// DockerContainerState is a container's run state.
type DockerContainerState struct {
	Status  string `json:"Status"`
	Running bool   `json:"Running"`
	Pid     int    `json:"Pid"`
	// Health is set when the container has a health check.
	Health *DockerHealth `json:"Health,omitempty"`
}

// DockerHealth is a container's health check state.
type DockerHealth struct {
	Status string `json:"Status"`
}

// DockerHealthcheck is the health check a container (or its image) declares.
type DockerHealthcheck struct {
	Test []string `json:"Test"`
}

// DockerContainerConfig is the container's portable configuration. Env is left
// out on purpose: it often holds secrets and no check reads it.
type DockerContainerConfig struct {
	User        string             `json:"User"`
	Image       string             `json:"Image"`
	Healthcheck *DockerHealthcheck `json:"Healthcheck,omitempty"`
}

// DockerHostConfig is the container's host-dependent configuration.
type DockerHostConfig struct {
	Privileged  bool     `json:"Privileged"`
	CapAdd      []string `json:"CapAdd"`
	CapDrop     []string `json:"CapDrop"`
	SecurityOpt []string `json:"SecurityOpt"`
	NetworkMode string   `json:"NetworkMode"`
	PidMode     string   `json:"PidMode"`
	IpcMode     string   `json:"IpcMode"`
	UTSMode     string   `json:"UTSMode"`
	UsernsMode  string   `json:"UsernsMode"`
	Binds       []string `json:"Binds"`

	Memory         int64                          `json:"Memory"`
	CPUShares      int64                          `json:"CpuShares"`
	NanoCPUs       int64                          `json:"NanoCpus"`
	CPUQuota       int64                          `json:"CpuQuota"`
	ReadonlyRootfs bool                           `json:"ReadonlyRootfs"`
	PortBindings   map[string][]DockerPortBinding `json:"PortBindings"`
	RestartPolicy  DockerRestartPolicy            `json:"RestartPolicy"`
	CgroupParent   string                         `json:"CgroupParent"`
	PidsLimit      *int64                         `json:"PidsLimit"`
	Devices        []DockerDevice                 `json:"Devices"`
}

// DockerPortBinding is one host address a container port is published on.
type DockerPortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

// DockerRestartPolicy is a container's restart policy.
type DockerRestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount int    `json:"MaximumRetryCount"`
}

// DockerDevice is a host device exposed to a container.
type DockerDevice struct {
	PathOnHost      string `json:"PathOnHost"`
	PathInContainer string `json:"PathInContainer"`
}

// DockerMount is one mount of a container as the engine reports it.
type DockerMount struct {
	Type        string `json:"Type"` // bind, volume, tmpfs, npipe
	Name        string `json:"Name"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	RW          bool   `json:"RW"`
	Propagation string `json:"Propagation"`
}

// DockerShortID is the 12-character form of a container ID.
func DockerShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// DisplayName is the container's name without the engine's leading slash.
func (c *DockerContainer) DisplayName() string {
	if len(c.Name) > 0 && c.Name[0] == '/' {
		return c.Name[1:]
	}
	if c.Name == "" {
		return DockerShortID(c.ID)
	}
	return c.Name
}

// DockerListener is one address dockerd serves its API on.
type DockerListener struct {
	Proto string // unix, tcp, fd, npipe
	Addr  string // socket path (unix) or host:port (tcp)
	Raw   string // as written
	// From says where it was read: "flag -H", "daemon.json key hosts",
	// "default" or "systemd socket unit FILE".
	From string
	File string // the file to fix: the command line, daemon.json or the unit
	Key  string // the flag, config key or unit setting
}

func (l DockerListener) String() string {
	switch l.Proto {
	case "unix", "tcp", "fd", "npipe":
		return l.Proto + "://" + l.Addr
	}
	return l.Raw
}

// DockerState is what was read from one engine.
type DockerState struct {
	// Source says where the answers came from: "Engine API unix://PATH" or
	// "snapshot FILE".
	Source     string
	Socket     string
	Info       *DockerInfo // nil when a snapshot lacks it
	Version    *DockerVersion
	Containers []DockerContainer
}

// DockerDaemon is what the node source gathered around one dockerd: the
// addresses it serves its API on, the engine's state (or why it could not
// be read), its unix sockets' files and its data root's filesystem.
type DockerDaemon struct {
	Listeners  []DockerListener `json:"listeners"`
	State      *DockerState     `json:"state,omitempty"`
	StateError string           `json:"stateError,omitempty"`
	// Sockets are the files of the unix listeners (abstract ones aside).
	Sockets  []DockerSocket  `json:"sockets,omitempty"`
	DataRoot *DockerDataRoot `json:"dataRoot,omitempty"`
}

// Socket returns what was seen of the socket file at addr, or nil.
func (d *DockerDaemon) Socket(addr string) *DockerSocket {
	for i := range d.Sockets {
		if d.Sockets[i].Addr == addr {
			return &d.Sockets[i]
		}
	}
	return nil
}

// DockerSocket is one unix socket file of dockerd: its type, mode and
// owner, or why they could not be read.
type DockerSocket struct {
	Addr   string `json:"addr"`
	Absent bool   `json:"absent,omitempty"`
	Error  string `json:"error,omitempty"`
	// Mode is the file mode with its type bits (io/fs.FileMode).
	Mode       uint32 `json:"mode"`
	UID        uint32 `json:"uid"`
	GID        uint32 `json:"gid"`
	OwnerKnown bool   `json:"ownerKnown"`
}

// DockerDataRoot is the filesystem of dockerd's data root. On the node
// itself (Live) it is read from the devices of the data root and its
// parent; on a snapshot or a mounted host, from the host's mount table.
type DockerDataRoot struct {
	Dir  string `json:"dir"` // --data-root, cleaned
	Live bool   `json:"live"`
	// Absent: the data root does not exist. Error: it (or, with
	// ParentError, its parent) could not be stat'ed.
	Absent      bool   `json:"absent,omitempty"`
	Error       string `json:"error,omitempty"`
	ParentError string `json:"parentError,omitempty"`
	// Live: Path is the data root resolved (symbolic links followed), Dev
	// and ParentDev the major:minor of its and its parent's filesystems
	// (NoDevice: not readable on this platform), Mount the mount it is on.
	Path      string      `json:"path,omitempty"`
	Parent    string      `json:"parent,omitempty"`
	Dev       string      `json:"dev,omitempty"`
	ParentDev string      `json:"parentDev,omitempty"`
	NoDevice  bool        `json:"noDevice,omitempty"`
	Mount     *MountPoint `json:"mount,omitempty"`
	// Not live: Table is the mount table that placed the data root and its
	// parent (empty: none did; Root is the root the audit read), Mount and
	// ParentMount the mounts they are on.
	Table       string      `json:"table,omitempty"`
	ParentMount *MountPoint `json:"parentMount,omitempty"`
	Root        string      `json:"root,omitempty"`
}

// MountPoint is one line of a mount table.
type MountPoint struct {
	Dev    string `json:"dev"` // major:minor
	Point  string `json:"point"`
	FSType string `json:"fstype"`
	Source string `json:"source"`
}

// ContainerdHostsFile is one registry hosts.toml containerd reads: its
// top-level server and skip_verify and every [host."URL"] table, or why it
// could not be read or parsed.
type ContainerdHostsFile struct {
	File       string           `json:"file"`
	ReadError  string           `json:"readError,omitempty"`
	ParseError string           `json:"parseError,omitempty"`
	Server     string           `json:"server,omitempty"`
	SkipVerify bool             `json:"skipVerify,omitempty"`
	Hosts      []ContainerdHost `json:"hosts,omitempty"` // sorted by URL
}

// ContainerdHost is one [host."URL"] table.
type ContainerdHost struct {
	URL        string `json:"url"`
	SkipVerify bool   `json:"skipVerify,omitempty"`
}
