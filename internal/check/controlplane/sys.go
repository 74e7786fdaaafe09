package controlplane

import "os"

func readlink(p string) (string, error) { return os.Readlink(p) }
