package inventory

// OpenFile says which other processes hold one file open: a fact the host
// source reads from /proc/*/fd (or from a snapshot that recorded it) for
// files a component writes and whose readers matter to a check, such as the
// API server's audit log (a log shipper that has it open sends it off the
// node).
type OpenFile struct {
	// Path is the file as the component's flag names it.
	Path string `json:"path"`
	// Setting is the flag that names it ("audit-log-path").
	Setting string `json:"setting"`
	// Holders are the processes, other than the component itself, that hold
	// the file (or one of its rotated backups) open.
	Holders []FileHolder `json:"holders,omitempty"`
	// Unreadable counts processes whose open files could not be listed
	// (no privilege to read /proc/PID/fd): one of them may be a reader.
	Unreadable int `json:"unreadable,omitempty"`
	// Unknown says why nothing could be looked up (a snapshot that does not
	// record open files, a root without /proc); empty when it was.
	Unknown string `json:"unknown,omitempty"`
}

// FileHolder is one process that holds a file open.
type FileHolder struct {
	PID  int    `json:"pid"`
	Name string `json:"name"` // the process name (/proc/PID/comm)
	Exe  string `json:"exe,omitempty"`
	// Target is the file the descriptor shows: the path itself, a rotated
	// backup of it, or the path as the process's own mount namespace sees it.
	Target string `json:"target"`
	FD     int    `json:"fd"`
}

// OpenFile returns what is known about who holds a file the component
// names open, or nil when the source did not look.
func (c *Component) OpenFile(path string) *OpenFile {
	for _, o := range c.OpenFiles {
		if o.Path == path {
			return o
		}
	}
	return nil
}
