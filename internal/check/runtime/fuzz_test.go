package runtime

import "testing"

// /proc/PID/mountinfo of a snapshot is untrusted input.
func FuzzParseMountinfo(f *testing.F) {
	f.Add([]byte(mountsSeparate))
	f.Add([]byte(mountsShared))
	f.Add([]byte("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n1 2 3:4 / /with\\040space rw - - -\n"))
	f.Add([]byte("1 2 x\n - \n\\0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		mounts := parseMountinfo(data)
		mountOf(mounts, "/var/lib/docker")
	})
}
