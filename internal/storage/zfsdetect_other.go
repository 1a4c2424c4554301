//go:build !linux && !freebsd

package storage

// OnZFS reports whether dir is on a ZFS dataset (never known here).
func OnZFS(dir string) bool { return false }
