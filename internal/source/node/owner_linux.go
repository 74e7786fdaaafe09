package node

import (
	"fmt"
	"io/fs"
	"syscall"
)

// owner returns a file's numeric owner and group.
func owner(st fs.FileInfo) (uid, gid uint32, ok bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return s.Uid, s.Gid, true
}

// device returns the major:minor of the filesystem a file is on.
func device(st fs.FileInfo) (string, bool) {
	s, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	dev := uint64(s.Dev) //nolint:unconvert // int32 or uint64 depending on the architecture
	major := (dev>>8)&0xfff | (dev>>32)&0xfffff000
	minor := dev&0xff | (dev>>12)&0xffffff00
	return fmt.Sprintf("%d:%d", major, minor), true
}
