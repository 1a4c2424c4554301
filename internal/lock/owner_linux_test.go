package lock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"golang.org/x/sys/unix"
)

func TestTakeOwnership(t *testing.T) {
	p := filepath.Join(t.TempDir(), "locked")
	if held(p) {
		t.Error("Held on a missing file")
	}
	f1, warn, err := TakeOwnership(p, "node1", time.Hour)
	if err != nil || warn != "" {
		t.Fatal(err, warn)
	}
	if got, marked := readOwner(p); got != "node1" || !marked {
		t.Errorf("owner = %q marked=%v", got, marked)
	}
	if !held(p) {
		t.Error("Held = false while held")
	}
	// OFD locks conflict between open file descriptions, even in one process.
	_, _, err = TakeOwnership(p, "node2", time.Hour)
	if !errors.Is(err, errdefs.ErrLocked) || !strings.Contains(err.Error(), "node1") {
		t.Fatalf("second TakeOwnership = %v, want ErrLocked naming node1", err)
	}
	if got, _ := readOwner(p); got != "node1" {
		t.Errorf("failed TakeOwnership changed the owner to %q", got)
	}
	f1.Close()
	if held(p) {
		t.Error("Held = true after the owner closed the file")
	}
	// The cbsd owner is gone (no lock, marker present): taken over at once.
	f2, warn, err := TakeOwnership(p, "node2", time.Hour)
	if err != nil || !strings.Contains(warn, "node1") {
		t.Fatalf("take over from a dead cbsd owner: %v, warning %q", err, warn)
	}
	f2.Close()
}

func TestTakeOwnershipFromCBSD(t *testing.T) {
	p := filepath.Join(t.TempDir(), "locked")
	// CBSD writes the node name only and holds no lock.
	os.WriteFile(p, []byte("oldnode\n"), 0o644)
	_, _, err := TakeOwnership(p, "me", time.Hour)
	if !errors.Is(err, errdefs.ErrLocked) || !strings.Contains(err.Error(), "oldnode") {
		t.Fatalf("fresh CBSD lock: %v", err)
	}
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(p, old, old)
	f, warn, err := TakeOwnership(p, "me", time.Hour)
	if err != nil || !strings.Contains(warn, "stale") {
		t.Fatalf("stale CBSD lock: %v, warning %q", err, warn)
	}
	defer f.Close()
	if got, _ := readOwner(p); got != "me" {
		t.Fatalf("owner = %q", got)
	}
	// Our own node's name is never a conflict.
	f.Close()
	os.WriteFile(p, []byte("me\n"), 0o644)
	f3, warn, err := TakeOwnership(p, "me", time.Hour)
	if err != nil || warn != "" {
		t.Fatalf("own lock: %v %q", err, warn)
	}
	f3.Close()
}

// held reports whether some open file description holds a lock on path.
func held(path string) bool {
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
