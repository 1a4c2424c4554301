package lock

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"golang.org/x/sys/unix"
)

func TestTakeOwnership(t *testing.T) {
	p := filepath.Join(t.TempDir(), "locked")
	if Held(p) {
		t.Error("Held on a missing file")
	}
	f1, err := TakeOwnership(p, "node1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "node1\n" {
		t.Errorf("lock file = %q, want node1\\n", b)
	}
	if !Held(p) {
		t.Error("Held = false while held")
	}

	// OFD locks conflict between open file descriptions, even in one process.
	f2, err := TakeOwnership(p, "node2")
	if err == nil {
		f2.Close()
		t.Fatal("second TakeOwnership succeeded")
	}
	if !errors.Is(err, errdefs.ErrLocked) {
		t.Errorf("second TakeOwnership = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "node1") {
		t.Errorf("error %q does not name the owner node1", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "node1\n" {
		t.Errorf("failed TakeOwnership changed the file to %q", b)
	}

	f1.Close()
	if Held(p) {
		t.Error("Held = true after the owner closed the file")
	}

	// Free again: a new owner takes it and replaces the (longer) old name.
	f3, err := TakeOwnership(p, "n3")
	if err != nil {
		t.Fatalf("TakeOwnership after close: %v", err)
	}
	defer f3.Close()
	if b, _ := os.ReadFile(p); string(b) != "n3\n" {
		t.Errorf("lock file = %q, want n3\\n", b)
	}
	if !Held(p) {
		t.Error("Held = false for the new owner")
	}
}

func TestTakeOwnershipDupKeepsLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "locked")
	f, err := TakeOwnership(p, "node1")
	if err != nil {
		t.Fatal(err)
	}
	// A duplicate of the descriptor (as handed to the jail's init) keeps
	// the lock after the original is closed.
	fd, err := dup(f)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if !Held(p) {
		t.Error("lock lost while a duplicate descriptor is open")
	}
	fd.Close()
	if Held(p) {
		t.Error("lock held after every descriptor is closed")
	}
}

func TestTakeOwnershipBadPath(t *testing.T) {
	_, err := TakeOwnership(filepath.Join(t.TempDir(), "missing", "locked"), "n")
	if err == nil || errors.Is(err, errdefs.ErrLocked) {
		t.Errorf("TakeOwnership in a missing directory = %v", err)
	}
}

func TestHeldUnlockedFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "locked")
	if err := os.WriteFile(p, []byte("node1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Held(p) {
		t.Error("Held on a file nobody locks")
	}
}

func dup(f *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}
