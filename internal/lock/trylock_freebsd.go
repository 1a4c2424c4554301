package lock

import (
	"os"

	"golang.org/x/sys/unix"
)

// tryLock takes a POSIX write lock on f without waiting. FreeBSD has no
// open-file-description locks; a POSIX lock belongs to the process that
// took it (the VM supervisor, which lives as long as the VM) and is an
// NFSv4 lock on shared storage, which flock(2) is not.
func tryLock(f *os.File) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	return unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
}
