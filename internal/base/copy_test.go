package base

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mkfile(t *testing.T, p, content string, mode fs.FileMode) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(content), 0o600))
	must(t, os.Chmod(p, mode))
}

func inode(t *testing.T, p string) uint64 {
	t.Helper()
	fi, err := os.Lstat(p)
	must(t, err)
	return uint64(fi.Sys().(*syscall.Stat_t).Ino)
}

func TestCopyTree(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	dst := filepath.Join(root, "dst")
	must(t, os.Mkdir(src, 0o755))

	files := map[string]struct {
		content string
		mode    fs.FileMode
	}{
		"file":                  {"hello\n", 0o644},
		"empty":                 {"", 0o600},
		"suid":                  {"#!/bin/sh\n", 0o755 | fs.ModeSetuid},
		"sgid":                  {"x", 0o710 | fs.ModeSetgid},
		"etc/passwd":            {"root:x:0:0::/root:/bin/sh\n", 0o644},
		"etc/shadow":            {"root:*:1::::::\n", 0o640},
		"var/lib/a/b/c/deep.db": {"deep", 0o444},
	}
	for name, f := range files {
		mkfile(t, filepath.Join(src, name), f.content, f.mode)
	}
	must(t, os.Mkdir(filepath.Join(src, "tmp"), 0o755))
	must(t, os.Chmod(filepath.Join(src, "tmp"), 0o777|fs.ModeSticky))
	must(t, os.Mkdir(filepath.Join(src, "shared"), 0o755))
	must(t, os.Chmod(filepath.Join(src, "shared"), 0o2775|fs.ModeSetgid))
	must(t, os.Mkdir(filepath.Join(src, "private"), 0o700))
	mkfile(t, filepath.Join(src, "ro", "inside"), "r", 0o644)
	must(t, os.Chmod(filepath.Join(src, "ro"), 0o555))
	t.Cleanup(func() {
		os.Chmod(filepath.Join(src, "ro"), 0o755)
		os.Chmod(filepath.Join(dst, "ro"), 0o755)
	})

	links := map[string]string{
		"link":            "file",
		"etc/abs":         "/etc/passwd",
		"dangling":        "does/not/exist",
		"etc/up":          "../var/lib",
		"var/lib/dirlink": "a",
	}
	for name, target := range links {
		must(t, os.Symlink(target, filepath.Join(src, name)))
	}
	must(t, os.Link(filepath.Join(src, "file"), filepath.Join(src, "etc", "hard")))
	must(t, os.Link(filepath.Join(src, "file"), filepath.Join(src, "var", "hard2")))
	// 0600 survives any usual umask; see TestCopyTreeFifoMode.
	must(t, syscall.Mkfifo(filepath.Join(src, "fifo"), 0o600))
	must(t, os.Chmod(filepath.Join(src, "fifo"), 0o600))

	// Distinct mtimes, directories last (creating entries changes them).
	mt := func(i int) time.Time {
		return time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Hour)
	}
	i := 0
	var dirs []string
	must(t, filepath.Walk(src, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			dirs = append(dirs, p)
		case fi.Mode().IsRegular():
			i++
			return os.Chtimes(p, mt(i), mt(i))
		}
		return nil
	}))
	for j := len(dirs) - 1; j >= 0; j-- {
		i++
		must(t, os.Chtimes(dirs[j], mt(i), mt(i)))
	}

	if err := CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}

	// Every entry of src exists in dst with the same type, mode and (for
	// files and directories) mtime.
	n := 0
	must(t, filepath.Walk(src, func(p string, sfi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		n++
		rel, _ := filepath.Rel(src, p)
		dfi, err := os.Lstat(filepath.Join(dst, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if dfi.Mode() != sfi.Mode() {
			t.Errorf("%s: mode %v, want %v", rel, dfi.Mode(), sfi.Mode())
		}
		if sfi.Mode().IsRegular() || sfi.IsDir() {
			if !dfi.ModTime().Equal(sfi.ModTime()) {
				t.Errorf("%s: mtime %v, want %v", rel, dfi.ModTime(), sfi.ModTime())
			}
		}
		if sfi.Mode().IsRegular() {
			sb, _ := os.ReadFile(p)
			db, err := os.ReadFile(filepath.Join(dst, rel))
			if err != nil || string(db) != string(sb) {
				t.Errorf("%s: content %q, %v; want %q", rel, db, err, sb)
			}
			if inode(t, p) == inode(t, filepath.Join(dst, rel)) {
				t.Errorf("%s: copy is a hard link to the source", rel)
			}
		}
		sst, dstt := sfi.Sys().(*syscall.Stat_t), dfi.Sys().(*syscall.Stat_t)
		if sst.Uid != dstt.Uid || sst.Gid != dstt.Gid {
			t.Errorf("%s: owner %d:%d, want %d:%d", rel, dstt.Uid, dstt.Gid, sst.Uid, sst.Gid)
		}
		return nil
	}))
	if n < 20 {
		t.Errorf("walked only %d entries", n)
	}

	// Explicit expectations, independent of the source tree.
	for name, want := range map[string]fs.FileMode{
		"suid":    0o755 | fs.ModeSetuid,
		"sgid":    0o710 | fs.ModeSetgid,
		"tmp":     fs.ModeDir | 0o777 | fs.ModeSticky,
		"shared":  fs.ModeDir | 0o775 | fs.ModeSetgid,
		"private": fs.ModeDir | 0o700,
		"ro":      fs.ModeDir | 0o555,
		"fifo":    fs.ModeNamedPipe | 0o600,
	} {
		fi, err := os.Lstat(filepath.Join(dst, name))
		if err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", name, fi.Mode(), err, want)
		}
	}
	for name, target := range links {
		got, err := os.Readlink(filepath.Join(dst, name))
		if err != nil || got != target {
			t.Errorf("symlink %s -> %q (%v), want %q", name, got, err, target)
		}
	}
	h0, h1, h2 := inode(t, filepath.Join(dst, "file")), inode(t, filepath.Join(dst, "etc/hard")), inode(t, filepath.Join(dst, "var/hard2"))
	if h0 != h1 || h0 != h2 {
		t.Errorf("hard links not preserved: inodes %d %d %d", h0, h1, h2)
	}
	if fi, _ := os.Stat(filepath.Join(dst, "file")); fi.Sys().(*syscall.Stat_t).Nlink != 3 {
		t.Errorf("file has %d links, want 3", fi.Sys().(*syscall.Stat_t).Nlink)
	}
	if inode(t, filepath.Join(dst, "empty")) == h0 {
		t.Error("unrelated files share an inode")
	}
	fi, err := os.Lstat(filepath.Join(dst, "var/lib/dirlink"))
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("symlink to a directory was not copied as a symlink: %v %v", fi.Mode(), err)
	}
}

func TestCopyTreeOwners(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown")
	}
	root := t.TempDir()
	src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst")
	must(t, os.Mkdir(src, 0o755))
	mkfile(t, filepath.Join(src, "d", "f"), "x", 0o4755)
	must(t, os.Symlink("f", filepath.Join(src, "d", "l")))
	must(t, os.Chown(filepath.Join(src, "d"), 1001, 1002))
	must(t, os.Chown(filepath.Join(src, "d", "f"), 1003, 1004))
	must(t, os.Chmod(filepath.Join(src, "d", "f"), 0o755|fs.ModeSetuid)) // chown cleared setuid
	must(t, os.Lchown(filepath.Join(src, "d", "l"), 1005, 1006))
	must(t, CopyTree(src, dst))
	for name, want := range map[string][2]uint32{"d": {1001, 1002}, "d/f": {1003, 1004}, "d/l": {1005, 1006}} {
		fi, err := os.Lstat(filepath.Join(dst, name))
		must(t, err)
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != want[0] || st.Gid != want[1] {
			t.Errorf("%s: owner %d:%d, want %d:%d", name, st.Uid, st.Gid, want[0], want[1])
		}
	}
	if fi, _ := os.Stat(filepath.Join(dst, "d", "f")); fi.Mode()&fs.ModeSetuid == 0 {
		t.Errorf("setuid lost after chown: %v", fi.Mode())
	}
}

func TestCopyTreeErrors(t *testing.T) {
	root := t.TempDir()
	if err := CopyTree(filepath.Join(root, "missing"), filepath.Join(root, "dst")); err == nil {
		t.Error("CopyTree of a missing source succeeded")
	}
	src := filepath.Join(root, "src")
	mkfile(t, filepath.Join(src, "f"), "x", 0o644)
	dst := filepath.Join(root, "dst2")
	mkfile(t, filepath.Join(dst, "f"), "old", 0o644)
	if err := CopyTree(src, dst); err == nil {
		t.Error("CopyTree over an existing file succeeded")
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "f")); string(b) != "old" {
		t.Errorf("existing file overwritten: %q", b)
	}
}

func TestCopyTreeFifoMode(t *testing.T) {

	root := t.TempDir()
	src, dst := filepath.Join(root, "src"), filepath.Join(root, "dst")
	must(t, os.Mkdir(src, 0o755))
	must(t, syscall.Mkfifo(filepath.Join(src, "fifo"), 0o600))
	must(t, os.Chmod(filepath.Join(src, "fifo"), 0o666))
	must(t, CopyTree(src, dst))
	fi, err := os.Lstat(filepath.Join(dst, "fifo"))
	if err != nil || fi.Mode() != fs.ModeNamedPipe|0o666 {
		t.Errorf("fifo mode %v (%v), want %v", fi.Mode(), err, fs.ModeNamedPipe|0o666)
	}
}
