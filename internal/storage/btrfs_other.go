//go:build !linux

package storage

import "time"

// IsBtrfs reports whether dir is on btrfs (never, off Linux).
func IsBtrfs(dir string) bool { return false }

// IsSubvolume reports whether path is a btrfs subvolume (never, off Linux).
func IsSubvolume(path string) bool { return false }

// created is never known here (btrfs is Linux only).
func created(path string) time.Time { return time.Time{} }
