package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"golang.org/x/sys/unix"
)

// OpLock is a held per-environment operation lock.
type OpLock struct {
	f *os.File
}

// Acquire takes the exclusive lock at path, waiting until ctx is done.
func Acquire(ctx context.Context, path string) (*OpLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	delay := time.Millisecond
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return &OpLock{f: f}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("another operation holds %s: %w", path, errdefs.ErrBusy)
		case <-time.After(delay):
		}
		if delay < 50*time.Millisecond {
			delay *= 2
		}
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
