package host

import "syscall"

// procSuperMagic is procfs's filesystem type (linux/magic.h).
const procSuperMagic = 0x9fa0

// isProcfs reports whether dir is a mounted procfs.
func isProcfs(dir string) bool {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return false
	}
	return st.Type == procSuperMagic
}
