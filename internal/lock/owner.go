//go:build linux || freebsd

package lock

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"golang.org/x/sys/unix"
)

// Marker is the second line cbsd writes into the ownership file. A file
// with it was written by a cbsd that held the lock while it ran, so when
// nobody holds the lock its owner is gone; a file without it comes from
// CBSD, which holds no lock, and is trusted until it is stale.
const Marker = "# held with a POSIX lock by cbsd"

// OwnWait is how long TakeOwnership waits for a lock held by its own node.
const OwnWait = 5 * time.Second

// TakeOwnership opens the ownership file, takes a write lock on it (see
// tryLock: on Linux held for as long as any process keeps the descriptor,
// which is handed down to the environment's init, so the lock lives exactly
// as long as the environment) and writes node into it. It refuses when another
// process holds the lock, or when the file names another node, carries no
// cbsd marker and is younger than stale; an older one is taken over and
// reported in warning.
func TakeOwnership(path, node string, stale time.Duration) (f *os.File, warning string, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, "", err
	}
	// A holder on this very node is a stopped environment's supervisor
	// finishing its cleanup: give it a moment.
	deadline := time.Now().Add(OwnWait)
	for {
		err := tryLock(f)
		if errors.Is(err, errdefs.ErrNotSupported) {
			f.Close()
			return nil, "", err
		}
		if err == nil {
			break
		}
		owner, _ := readOwner(path)
		busy := errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES)
		if busy && owner == node && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		f.Close()
		if busy {
			return nil, "", fmt.Errorf("locked by %s (it holds the lock on %s): %w", owner, path, errdefs.ErrLocked)
		}
		return nil, "", fmt.Errorf("lock %s: %w", path, err)
	}
	owner, marked := readOwner(path)
	if owner != "" && owner != node {
		st, _ := f.Stat()
		age := time.Duration(0)
		if st != nil {
			age = time.Since(st.ModTime())
		}
		switch {
		case marked:
			warning = fmt.Sprintf("taking over from node %s: it no longer holds the lock on %s", owner, path)
		case age < stale:
			f.Close()
			return nil, "", fmt.Errorf("locked by %s (%s written %s ago; it is stale after %s): %w",
				owner, path, age.Round(time.Second), stale, errdefs.ErrLocked)
		default:
			warning = fmt.Sprintf("taking over the stale lock of node %s (%s old)", owner, age.Round(time.Second))
		}
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(node+"\n"+Marker+"\n"), 0)
	}
	return f, warning, nil
}

// readOwner returns the node named by an ownership file and whether it
// carries cbsd's marker.
func readOwner(path string) (string, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	lines := strings.Split(string(b), "\n")
	return strings.TrimSpace(lines[0]), len(lines) > 1 && strings.TrimSpace(lines[1]) == Marker
}
