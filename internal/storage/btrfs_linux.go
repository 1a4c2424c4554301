package storage

import (
	"syscall"
	"time"

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

// created is when path was made (its birth time; the change time when the
// filesystem does not record one).
func created(path string) time.Time {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BTIME|unix.STATX_CTIME, &st); err != nil {
		return time.Time{}
	}
	if st.Mask&unix.STATX_BTIME != 0 {
		return time.Unix(st.Btime.Sec, int64(st.Btime.Nsec))
	}
	return time.Unix(st.Ctime.Sec, int64(st.Ctime.Nsec))
}
