package lock

import (
	"os"

	"golang.org/x/sys/unix"
)

// tryLock takes an open-file-description write lock on f without waiting:
// it belongs to the open file, so every process that inherits the
// descriptor keeps it, and it is an NFSv4/GlusterFS/CephFS lock on shared
// storage.
func tryLock(f *os.File) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	return unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
}
