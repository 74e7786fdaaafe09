package inventory

// The host's facts around Docker that the CIS Docker Benchmark audits
// beyond the engine itself: the docker group's members, the auditd rules,
// and the daemon's files (their metadata is in Node.Files, host view).

// DockerHost is gathered when a dockerd is on the node.
type DockerHost struct {
	// Group is the daemon socket's group (--group, default docker);
	// GroupFound is set when /etc/group defines it; GroupMembers are its
	// members: those /etc/group lists and the users whose primary group
	// it is (/etc/passwd), sorted.
	Group        string   `json:"group"`
	GroupFound   bool     `json:"groupFound"`
	GroupMembers []string `json:"groupMembers,omitempty"`
	// AuditFiles are the auditd rule files read (/etc/audit/audit.rules and
	// /etc/audit/rules.d/*.rules) and AuditRules the file watches they
	// declare; AuditError says why the rules could not be read.
	AuditFiles []string     `json:"auditFiles,omitempty"`
	AuditRules []AuditWatch `json:"auditRules,omitempty"`
	AuditError string       `json:"auditError,omitempty"`
	// Files are the daemon's files by role; each path's metadata is the
	// Node.Files entry of that path (PID 0). A role with candidates (the
	// unit files) names the first that exists, else the first candidate.
	Files []DockerHostFile `json:"files,omitempty"`
}

// AuditWatch is one file watch an auditd rule declares: "-w PATH" or
// "-F path=PATH" / "-F dir=PATH".
type AuditWatch struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Path string `json:"path"`
	Text string `json:"text"`
}

// DockerHostFile is one file the CIS Docker Benchmark audits, by role.
type DockerHostFile struct {
	// Role names the file: docker.service, docker.socket, /etc/docker,
	// daemon.json, /etc/default/docker, /etc/sysconfig/docker,
	// containerd.sock, tlscacert, tlscert, tlskey, registry certificate,
	// or an audit target (dockerd, containerd, runc...).
	Role string `json:"role"`
	Path string `json:"path"`
}

// FilesOf returns the paths recorded for role.
func (h *DockerHost) FilesOf(role string) []string {
	var out []string
	for _, f := range h.Files {
		if f.Role == role {
			out = append(out, f.Path)
		}
	}
	return out
}

// Watches returns the rules watching path or a directory above it.
func (h *DockerHost) Watches(path string) []AuditWatch {
	var out []AuditWatch
	for _, r := range h.AuditRules {
		if r.Path == path || (len(path) > len(r.Path) && path[:len(r.Path)] == r.Path && (r.Path == "/" || path[len(r.Path)] == '/')) {
			out = append(out, r)
		}
	}
	return out
}
