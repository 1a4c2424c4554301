package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"golang.org/x/sys/unix"
)

// OpLock is a held per-environment operation lock.
type OpLock struct {
	f *os.File
}

// Acquire takes the exclusive lock at path, waiting until ctx is done.
// The wait is flock(2)'s own, on a thread of its own: the lock is taken the
// moment its holder lets go (a jremove right after a jstop waits for the
// supervisor that still holds the jail's lock), not at the next poll.
func Acquire(ctx context.Context, path string) (*OpLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, os.ErrNotExist) {
		// The lock directory is run-time state (W/var/run/lock): made
		// again when it is gone, e.g. after W/var/run was emptied.
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		}
	}
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	if err == nil {
		return &OpLock{f: f}, nil
	}
	if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	got := make(chan error, 1)
	go func() {
		var err error
		for {
			if err = unix.Flock(fd, unix.LOCK_EX); !errors.Is(err, unix.EINTR) {
				break
			}
		}
		got <- err
	}()
	select {
	case err := <-got:
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		return &OpLock{f: f}, nil
	case <-ctx.Done():
		// The waiting thread cannot be called back: it lets the lock go
		// as soon as it gets it.
		go func() {
			<-got
			f.Close()
		}()
		return nil, fmt.Errorf("another operation holds %s: %w", path, errdefs.ErrBusy)
	}
}

// File is the locked file; the lock lasts while any copy of its open
// file description (one passed to another process, say) stays open.
func (l *OpLock) File() *os.File { return l.f }

// Release drops the lock.
func (l *OpLock) Release() {
	if l != nil && l.f != nil {
		l.f.Close()
		l.f = nil
	}
}
