//go:build linux || freebsd

package storage

import "golang.org/x/sys/unix"

// freeBytes is the space left for unprivileged users on dir's filesystem.
func freeBytes(dir string) (int64, bool) {
	var st unix.Statfs_t
	if unix.Statfs(dir, &st) != nil {
		return 0, false
	}
	return int64(st.Bavail) * int64(st.Bsize), true
}
