package storage

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// IsBtrfs reports whether dir is on btrfs.
func IsBtrfs(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Type == unix.BTRFS_SUPER_MAGIC
}

// IsSubvolume reports whether path is the root of a btrfs subvolume
// (inode 256 on btrfs).
func IsSubvolume(path string) bool {
	var st syscall.Stat_t
	return IsBtrfs(path) && syscall.Stat(path, &st) == nil && st.Ino == 256
}
