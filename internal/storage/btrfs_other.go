//go:build !linux

package storage

// IsBtrfs reports whether dir is on btrfs (never, off Linux).
func IsBtrfs(dir string) bool { return false }

// IsSubvolume reports whether path is a btrfs subvolume (never, off Linux).
func IsSubvolume(path string) bool { return false }
