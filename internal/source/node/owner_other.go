//go:build !linux

package node

import "io/fs"

func owner(fs.FileInfo) (uid, gid uint32, ok bool) { return 0, 0, false }

func device(fs.FileInfo) (string, bool) { return "", false }
