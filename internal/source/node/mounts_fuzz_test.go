package node

import "testing"

// Seeds: a data root on its own filesystem, and one dockerd bind-mounted on
// itself (same device as its parent).
const (
	mountsSeparate = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
		"30 22 254:16 / /var/lib/docker rw,relatime shared:2 - xfs /dev/vdb rw\n" +
		"31 30 254:16 /overlay2 /var/lib/docker/overlay2 rw,relatime - xfs /dev/vdb rw\n"
	mountsShared = "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
		"42 22 254:0 /var/lib/docker /var/lib/docker rw,relatime - ext4 /dev/vda rw\n"
)

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
