//go:build !linux

package host

// isProcfs reports whether dir is a mounted procfs: only Linux has one.
func isProcfs(string) bool { return false }
