package storage

import "golang.org/x/sys/unix"

// zfsSuperMagic is ZFS's statfs f_type on Linux (OpenZFS).
const zfsSuperMagic = 0x2fc12fc1

// OnZFS reports whether dir is on a ZFS dataset.
func OnZFS(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == zfsSuperMagic
}
