package repo

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"aead.dev/minisign"

	"github.com/cbsdgo/cbsd/internal/base"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// fakeBase makes a small busybox-like base: a shell that is a symbolic
// link, hard links, a set-uid file, a sticky tmp, a read-only directory,
// an absolute symbolic link, a named pipe and numeric owners (as root).
func fakeBase(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{"bin", "sbin", "etc", "usr/lib", "var/empty", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"bin/busybox":    "\x7fELF pretend busybox",
		"etc/passwd":     "root:x:0:0:root:/root:/bin/sh\n",
		"etc/os-release": "ID=busybox\n",
		"usr/lib/empty":  "",
		"var/empty/ro":   "inside a read-only directory",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(filepath.Join(dir, "bin/busybox"), 0o4755))
	must(os.Symlink("busybox", filepath.Join(dir, "bin/sh")))
	must(os.Symlink("/bin/busybox", filepath.Join(dir, "sbin/init")))
	must(os.Symlink("usr/lib", filepath.Join(dir, "lib")))
	must(os.Link(filepath.Join(dir, "bin/busybox"), filepath.Join(dir, "bin/ls")))
	must(syscall.Mkfifo(filepath.Join(dir, "root/fifo"), 0o640))
	must(os.Chmod(filepath.Join(dir, "tmp"), 0o1777))
	must(os.Chmod(filepath.Join(dir, "root"), 0o700))
	if os.Geteuid() == 0 {
		must(os.Lchown(filepath.Join(dir, "etc/os-release"), 1234, 5678))
		must(os.Lchown(filepath.Join(dir, "lib"), 1234, 5678))
	}
	must(os.Chmod(filepath.Join(dir, "var/empty"), 0o555))
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	must(os.Chtimes(filepath.Join(dir, "etc/passwd"), old, old))
}

type entry struct {
	mode       fs.FileMode
	uid, gid   uint32
	content    string // file content or link target
	mtime      time.Time
	ino, nlink uint64
}

// snapshot describes a tree for comparison.
func snapshot(t *testing.T, dir string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		e := entry{mode: fi.Mode(), uid: st.Uid, gid: st.Gid, ino: uint64(st.Ino), nlink: uint64(st.Nlink)}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.content, e.mtime = string(b), fi.ModTime()
		case fi.Mode()&fs.ModeSymlink != 0:
			e.content, _ = os.Readlink(p)
		}
		out[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBasePublishGet publishes an installed base from one workdir as
// tar+zstd, fetches it into another through a served repository, and
// compares the trees.
func TestBasePublishGet(t *testing.T) {
	pk, sk := newKey(t)
	w1, w2, tree := workdir.Layout{W: t.TempDir()}, workdir.Layout{W: t.TempDir()}, t.TempDir()
	src := w1.BaseDir("", "amd64", "busybox")
	fakeBase(t, src)
	t.Cleanup(func() { os.Chmod(filepath.Join(src, "var/empty"), 0o755) })

	p := &Publisher{Dir: tree, Key: sk}
	a, err := p.Put(context.Background(), Artifact{Kind: KindBase, Name: "base", Version: "busybox", Arch: "amd64", Format: FormatTarZstd},
		func(w io.Writer) error { return WriteTarZstd(context.Background(), testRunner(t), w, src) })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Commit(context.Background(), a); err != nil {
		t.Fatal(err)
	}

	c := &Client{Mirrors: []string{serve(t, Handler(tree))}, Keys: []minisign.PublicKey{pk}}
	dst := w2.BaseDir("", "amd64", "busybox")
	dl := dst + ".download"
	got, _, err := c.Get(context.Background(), Query{Kind: KindBase, Version: "busybox", Arch: "amd64"}, dl)
	if err != nil {
		t.Fatal(err)
	}
	if got.Format != FormatTarZstd {
		t.Fatalf("format %q", got.Format)
	}
	b := &base.Builder{L: w2, Out: func(string, ...any) {}}
	err = b.InstallPublished(dst, func(tmp string) error {
		f, err := os.Open(dl)
		if err != nil {
			return err
		}
		defer f.Close()
		return ExtractTarZstd(context.Background(), testRunner(t), f, tmp)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dst, "var/empty"), 0o755) })
	if bs, _ := base.List(w2); len(bs) != 1 || bs[0].Ver != "busybox" {
		t.Fatalf("bases in the second workdir: %v", bs)
	}

	want, have := snapshot(t, src), snapshot(t, dst)
	for name, w := range want {
		h, ok := have[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if h.mode != w.mode || h.content != w.content || !h.mtime.Equal(w.mtime.Truncate(time.Second)) || h.nlink != w.nlink {
			t.Errorf("%s: got %v %q %v nlink %d, want %v %q %v nlink %d", name, h.mode, h.content, h.mtime, h.nlink, w.mode, w.content, w.mtime, w.nlink)
		}
		if os.Geteuid() == 0 && (h.uid != w.uid || h.gid != w.gid) {
			t.Errorf("%s: owner %d:%d, want %d:%d", name, h.uid, h.gid, w.uid, w.gid)
		}
	}
	for name := range have {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: extra", name)
		}
	}
	if have["bin/ls"].ino != have["bin/busybox"].ino {
		t.Error("bin/ls is no longer a hard link of bin/busybox")
	}

	// The same tree makes the same archive: publishing again is a no-op.
	var again bytes.Buffer
	if err := WriteTarZstd(context.Background(), testRunner(t), &again, src); err != nil {
		t.Fatal(err)
	}
	if sum(again.Bytes()) != a.SHA256 {
		t.Error("archiving the same tree twice gave different bytes")
	}
}

func tarOf(t *testing.T, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(h.Linkname))
			body := h.Linkname
			h.Linkname = ""
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			io.WriteString(tw, body)
			continue
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	return buf.Bytes()
}

// TestExtractConfined: archives cannot write outside the target, not by
// name and not through a symbolic link they made.
func TestExtractConfined(t *testing.T) {
	outside := t.TempDir()
	for _, tt := range []struct {
		name string
		hdrs []*tar.Header
	}{
		{"dotdot", []*tar.Header{{Name: "../escape", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "x"}}},
		{"absolute", []*tar.Header{{Name: "/" + filepath.Join(outside, "abs"), Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "x"}}},
		{"through symlink", []*tar.Header{
			{Name: "etc", Typeflag: tar.TypeSymlink, Linkname: outside, Mode: 0o777},
			{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "x"}}},
		{"hard link out", []*tar.Header{{Name: "pw", Typeflag: tar.TypeLink, Linkname: "../../../../etc/passwd"}}},
		{"link via symlink", []*tar.Header{
			{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/etc", Mode: 0o777},
			{Name: "pw", Typeflag: tar.TypeLink, Linkname: "l/passwd"}}},
		{"dir replaced by link", []*tar.Header{
			{Name: "d/", Typeflag: tar.TypeDir, Mode: 0o755},
			{Name: "d", Typeflag: tar.TypeSymlink, Linkname: outside, Mode: 0o777}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dst := t.TempDir()
			err := ExtractTar(context.Background(), bytes.NewReader(tarOf(t, tt.hdrs...)), dst)
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Fatalf("extracted: %v", err)
			}
			if ents, _ := os.ReadDir(outside); len(ents) != 0 {
				t.Fatalf("wrote outside: %v", ents)
			}
		})
	}
	// Ordinary entries, and a file replaced by a later one of the same name.
	dst := t.TempDir()
	err := ExtractTar(context.Background(), bytes.NewReader(tarOf(t,
		&tar.Header{Name: "./a/b/c", Typeflag: tar.TypeReg, Mode: 0o600, Linkname: "one"},
		&tar.Header{Name: "a/b/c", Typeflag: tar.TypeReg, Mode: 0o640, Linkname: "two"},
		&tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Mode: 0o666},
	)), dst)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dst, "a/b/c")); string(b) != "two" {
		t.Fatalf("a/b/c = %q", b)
	}
	if _, err := os.Lstat(filepath.Join(dst, "dev/null")); err == nil {
		t.Fatal("device node made")
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]string{
		"base.tar.zst": FormatTarZstd, "base.tzst": FormatTarZstd, "base.txz": FormatTarXz, "KERNEL.TAR.XZ": FormatTarXz,
		"b.tgz": FormatTarGz, "b.tar": FormatTar, "vm.img": "", "x.iso": "",
	} {
		if got := FormatOf(name); got != want {
			t.Errorf("FormatOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestExtractTarZstdCorrupt: data that is not zstd fails with zstd's own
// complaint, not only with a short tar.
func TestExtractTarZstdCorrupt(t *testing.T) {
	run := testRunner(t)
	err := ExtractTarZstd(context.Background(), run, bytes.NewReader(bytes.Repeat([]byte("not zstd "), 1000)), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "zstd") {
		t.Fatalf("ExtractTarZstd(garbage) = %v, want a zstd error", err)
	}
}

// testRunner runs zstd(1) for the tar+zstd archives; the tests need it.
func testRunner(t *testing.T) *sys.Runner {
	t.Helper()
	if _, err := sys.LookPath("zstd"); err != nil {
		t.Skip("zstd(1) is not installed (apt-get install zstd)")
	}
	return sys.NewRunner(slog.New(slog.DiscardHandler))
}
