package lock

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"golang.org/x/sys/unix"
)

// TakeOwnership opens the ownership file, takes an open-file-description
// write lock on it (held for as long as any process keeps the descriptor:
// it is handed down to the environment's init, so the lock lives exactly as
// long as the environment) and writes node into it. When another process
// holds the lock the error names the owner recorded in the file.
func TakeOwnership(path, node string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		owner, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return nil, fmt.Errorf("locked by %s: %w", strings.TrimSpace(string(owner)), errdefs.ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(node+"\n"), 0)
	}
	return f, nil
}

// Held reports whether some process holds the ownership lock at path.
func Held(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	lk := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_GETLK, &lk); err != nil {
		return false
	}
	return lk.Type != unix.F_UNLCK
}
