package host

import (
	"encoding/json"
	"io/fs"
	"os"
	"sync"
	"syscall"
)

// FileMeta is what a snapshot records of a file: enough for the mode,
// owner and presence checks, without the content of secrets.
type FileMeta struct {
	Path     string      `json:"path"`
	Mode     fs.FileMode `json:"mode"`
	UID      uint32      `json:"uid"`
	GID      uint32      `json:"gid"`
	Size     int64       `json:"size"`
	Dir      bool        `json:"dir,omitempty"`
	Redacted bool        `json:"redacted,omitempty"` // content withheld or secrets masked
	// Key is the type and size of the private key the file holds: the key
	// itself never leaves the node.
	Key *KeyInfo `json:"key,omitempty"`
}

var metaCache sync.Map // root -> map[string]FileMeta

func (f *FS) snapshotMeta() map[string]FileMeta {
	if f.Live() {
		return nil
	}
	if m, ok := metaCache.Load(f.Root); ok {
		return m.(map[string]FileMeta)
	}
	m := map[string]FileMeta{}
	if b, ok := f.Captured(CaptureFileMeta); ok {
		var list []FileMeta
		if json.Unmarshal(b, &list) == nil {
			for _, e := range list {
				m[e.Path] = e
			}
		}
	}
	metaCache.Store(f.Root, m)
	return m
}

// Meta returns a host file's mode and owner: from the snapshot's record
// when the root is a snapshot (its files may have been unpacked by another
// user), otherwise from the file itself.
func (f *FS) Meta(p string) (FileMeta, error) {
	if f.NoFiles {
		return FileMeta{}, ErrNoFiles
	}
	if m, ok := f.snapshotMeta()[p]; ok {
		return m, nil
	}
	st, err := os.Stat(f.Path(p))
	if err != nil {
		return FileMeta{}, err
	}
	return metaOf(p, st), nil
}

func metaOf(p string, st fs.FileInfo) FileMeta {
	m := FileMeta{Path: p, Mode: st.Mode().Perm(), Size: st.Size(), Dir: st.IsDir()}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		m.UID, m.GID = sys.Uid, sys.Gid
	}
	return m
}
