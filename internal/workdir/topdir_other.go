//go:build !linux

package workdir

// SpreadSubdirs does nothing here (it tunes ext4's inode placement).
func SpreadSubdirs(dir string) {}
