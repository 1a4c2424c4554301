package storage

import "golang.org/x/sys/unix"

// OnZFS reports whether dir is on a ZFS dataset.
func OnZFS(dir string) bool {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return false
	}
	return unix.ByteSliceToString(st.Fstypename[:]) == "zfs"
}
