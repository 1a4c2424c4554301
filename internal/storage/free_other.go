//go:build !linux && !freebsd

package storage

// freeBytes is not known here.
func freeBytes(dir string) (int64, bool) { return 0, false }
