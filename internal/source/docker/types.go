// Package docker reads a Docker Engine: its API answers (/info, /version,
// every container's /containers/{id}/json) over the daemon's unix socket on
// the node itself, or from the answers `kubeward collect node` captured into
// a snapshot. It speaks plain HTTP over the socket; no Docker SDK.
package docker

// Info is the part of GET /info kubeward reads.
type Info struct {
	ID                 string         `json:"ID"`
	Name               string         `json:"Name"`
	ServerVersion      string         `json:"ServerVersion"`
	Driver             string         `json:"Driver"`
	DockerRootDir      string         `json:"DockerRootDir"`
	LoggingDriver      string         `json:"LoggingDriver"`
	LiveRestoreEnabled bool           `json:"LiveRestoreEnabled"`
	SecurityOptions    []string       `json:"SecurityOptions"`
	RegistryConfig     RegistryConfig `json:"RegistryConfig"`
	Containers         int            `json:"Containers"`
}

// RegistryConfig is /info's registry section.
type RegistryConfig struct {
	InsecureRegistryCIDRs []string               `json:"InsecureRegistryCIDRs"`
	IndexConfigs          map[string]IndexConfig `json:"IndexConfigs"`
	Mirrors               []string               `json:"Mirrors"`
}

// IndexConfig is one registry the daemon knows.
type IndexConfig struct {
	Name    string   `json:"Name"`
	Mirrors []string `json:"Mirrors"`
	Secure  bool     `json:"Secure"`
}

// Version is the part of GET /version kubeward reads.
type Version struct {
	Version       string `json:"Version"`
	APIVersion    string `json:"ApiVersion"`
	MinAPIVersion string `json:"MinAPIVersion"`
	Os            string `json:"Os"`
	Arch          string `json:"Arch"`
	KernelVersion string `json:"KernelVersion"`
}

// Summary is one entry of GET /containers/json?all=1.
type Summary struct {
	ID    string   `json:"Id"`
	Names []string `json:"Names"`
	State string   `json:"State"`
}

// Container is the part of GET /containers/{id}/json kubeward reads.
type Container struct {
	ID         string          `json:"Id"`
	Name       string          `json:"Name"`
	Image      string          `json:"Image"`
	State      ContainerState  `json:"State"`
	Config     ContainerConfig `json:"Config"`
	HostConfig HostConfig      `json:"HostConfig"`
	Mounts     []Mount         `json:"Mounts"`
}

// ContainerState is a container's run state.
type ContainerState struct {
	Status  string `json:"Status"`
	Running bool   `json:"Running"`
	Pid     int    `json:"Pid"`
}

// ContainerConfig is the container's portable configuration. Env is left
// out on purpose: it often holds secrets and no check reads it.
type ContainerConfig struct {
	User  string `json:"User"`
	Image string `json:"Image"`
}

// HostConfig is the container's host-dependent configuration.
type HostConfig struct {
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
}

// Mount is one mount of a container as the engine reports it.
type Mount struct {
	Type        string `json:"Type"` // bind, volume, tmpfs, npipe
	Name        string `json:"Name"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	RW          bool   `json:"RW"`
}

// ShortID is the 12-character form of a container ID.
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// DisplayName is the container's name without the engine's leading slash.
func (c *Container) DisplayName() string {
	if len(c.Name) > 0 && c.Name[0] == '/' {
		return c.Name[1:]
	}
	if c.Name == "" {
		return ShortID(c.ID)
	}
	return c.Name
}
