package service

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteIfChanged: a jail's etc file is rewritten in place, and what a
// jail may have planted instead of a regular file is replaced, never
// written through.
func TestWriteIfChanged(t *testing.T) {
	dir := t.TempDir()
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// A regular file: same inode, new content (shorter and longer).
	p := filepath.Join(dir, "hosts")
	os.WriteFile(p, []byte("127.0.0.1 localhost and a long tail\n"), 0o644)
	before, _ := os.Stat(p)
	for _, content := range []string{"10.0.0.2 web1\n", "10.0.0.2 web1 web1.my.domain\n"} {
		if err := writeIfChanged(p, content); err != nil {
			t.Fatal(err)
		}
		if got := read(p); got != content {
			t.Fatalf("content %q, want %q", got, content)
		}
		after, _ := os.Stat(p)
		if !os.SameFile(before, after) {
			t.Fatal("rewritten through a new file, want in place")
		}
	}

	// A symbolic link to a file outside: the link goes, the target stays.
	outside := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(outside, []byte("secret\n"), 0o600)
	l := filepath.Join(dir, "resolv.conf")
	if err := os.Symlink(outside, l); err != nil {
		t.Fatal(err)
	}
	if err := writeIfChanged(l, "nameserver 10.0.0.1\n"); err != nil {
		t.Fatal(err)
	}
	if got := read(outside); got != "secret\n" {
		t.Fatalf("wrote through the link: target now %q", got)
	}
	if st, _ := os.Lstat(l); !st.Mode().IsRegular() || read(l) != "nameserver 10.0.0.1\n" {
		t.Fatalf("resolv.conf: mode %v content %q", st.Mode(), read(l))
	}

	// A fifo is replaced, not opened; a missing file is created.
	fifo := filepath.Join(dir, "hostname")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeIfChanged(fifo, "web1\n"); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(fifo); !st.Mode().IsRegular() || read(fifo) != "web1\n" {
		t.Fatalf("hostname: mode %v", st.Mode())
	}
	if err := writeIfChanged(filepath.Join(dir, "new"), "x\n"); err != nil || read(filepath.Join(dir, "new")) != "x\n" {
		t.Fatalf("new file: %v", err)
	}
}
