// Package docker reads a Docker Engine: its API answers (/info, /version,
// every container's /containers/{id}/json) over the daemon's unix socket on
// the node itself, or from the answers `kubeward collect node` captured into
// a snapshot. It speaks plain HTTP over the socket; no Docker SDK. The
// types it fills live in the inventory (inventory/docker.go).
package docker

import "github.com/kubeward/kubeward/internal/inventory"

// The Engine's answers, as the inventory holds them.
type (
	Info            = inventory.DockerInfo
	RegistryConfig  = inventory.DockerRegistryConfig
	IndexConfig     = inventory.DockerIndexConfig
	Version         = inventory.DockerVersion
	Summary         = inventory.DockerSummary
	Container       = inventory.DockerContainer
	ContainerState  = inventory.DockerContainerState
	ContainerConfig = inventory.DockerContainerConfig
	HostConfig      = inventory.DockerHostConfig
	Mount           = inventory.DockerMount
	// Listener is one address dockerd serves its API on.
	Listener = inventory.DockerListener
	// State is what kubeward read from one engine.
	State = inventory.DockerState
)

// ShortID is the 12-character form of a container ID.
func ShortID(id string) string { return inventory.DockerShortID(id) }
