package repo

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// FormatOf guesses an archive format from a file name (base.tar.zst,
// base.txz, ...); "" when the name is not a tar archive.
func FormatOf(name string) string {
	switch n := strings.ToLower(name); {
	case strings.HasSuffix(n, ".tar.zst"), strings.HasSuffix(n, ".tzst"):
		return FormatTarZstd
	case strings.HasSuffix(n, ".tar.xz"), strings.HasSuffix(n, ".txz"):
		return FormatTarXz
	case strings.HasSuffix(n, ".tar.gz"), strings.HasSuffix(n, ".tgz"):
		return FormatTarGz
	case strings.HasSuffix(n, ".tar"):
		return FormatTar
	}
	return ""
}

// Runner runs external commands (sys.CmdRunner).
type Runner = sys.CmdRunner

// zstdCompress and zstdDecompress are zstd(1), which cbsd needs for images
// anyway: single-threaded, so the same tree makes the same bytes, and a
// window of at most 128 MiB when reading (bounded memory).
var (
	zstdCompress   = []string{"zstd", "-3", "-T1", "-q", "-c"}
	zstdDecompress = []string{"zstd", "-d", "-q", "-c", "--memory=128MB"}
)

// WriteTarZstd writes the tree below dir to w as a zstd-compressed tar
// stream, streaming (one file at a time, a bounded compression window):
// directories, regular files, symbolic links, hard links (as links to
// the first name) and named pipes, with their modes (set-id and sticky
// bits included), numeric owners and modification times (to the second:
// plain ustar headers wherever they suffice). Device nodes
// and sockets are skipped (jails get /dev from devfs or a fresh tmpfs).
// Entries are in lexical order, so the same tree makes the same archive.
func WriteTarZstd(ctx context.Context, run Runner, w io.Writer, dir string) error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	tarred := make(chan error, 1)
	go func() {
		err := writeTar(ctx, pw, dir)
		pw.Close()
		tarred <- err
	}()
	_, zerr := run.Run(ctx, sys.Cmd{Argv: zstdCompress, Stdin: pr, Stdout: w, Timeout: 24 * time.Hour})
	pr.Close() // a failed zstd must not leave the tar writer blocked
	// Both fail when zstd does (the writer then hits a closed pipe):
	// zstd's error comes first.
	return errors.Join(zerr, <-tarred)
}

func writeTar(ctx context.Context, w io.Writer, dir string) error {
	tw := tar.NewWriter(w)
	type inode struct{ dev, ino uint64 }
	links := map[inode]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		mode := fi.Mode()
		if mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeSocket|fs.ModeIrregular) != 0 {
			return nil
		}
		link := ""
		if mode&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		hdr.Name = filepath.ToSlash(rel)
		if mode.IsDir() {
			hdr.Name += "/"
		}
		// Numeric owners only: names would be looked up again, perhaps
		// differently, wherever the archive is unpacked.
		hdr.Uname, hdr.Gname = "", ""
		hdr.ModTime = hdr.ModTime.Truncate(time.Second)
		hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && mode.IsRegular() && uint64(st.Nlink) > 1 {
			key := inode{uint64(st.Dev), uint64(st.Ino)}
			if first, ok := links[key]; ok {
				hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			} else {
				links[key] = hdr.Name
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		if hdr.Typeflag != tar.TypeReg || hdr.Size == 0 {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := io.CopyN(tw, f, hdr.Size); err != nil {
			return fmt.Errorf("%s changed while being archived: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// ExtractTarZstd unpacks a zstd-compressed tar stream (WriteTarZstd's)
// into dir, which should be new and empty. See ExtractTar.
func ExtractTarZstd(ctx context.Context, run Runner, r io.Reader, dir string) error {
	pr, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	decoded := make(chan error, 1)
	go func() {
		_, err := run.Run(ctx, sys.Cmd{Argv: zstdDecompress, Stdin: r, Stdout: pw, Timeout: 24 * time.Hour})
		pw.Close()
		decoded <- err
	}()
	err = ExtractTar(ctx, pr, dir)
	if err == nil {
		// Read to the end: zstd checks the frame's checksum last.
		io.Copy(io.Discard, pr)
	}
	pr.Close()
	// A failing zstd also cuts the tar short: both are reported.
	if zerr := <-decoded; zerr != nil {
		return errors.Join(err, fmt.Errorf("zstd: %w", zerr))
	}
	return err
}

// ExtractTar unpacks a tar stream into dir. Names are confined to dir:
// absolute names and ".." are refused, and no entry is ever written
// through a symbolic link the archive made earlier. Modes (set-id and
// sticky bits included) and modification times are restored; numeric
// owners too when running as root. Directory modes are applied last, so
// a read-only directory can still be filled. Device nodes are skipped.
func ExtractTar(ctx context.Context, r io.Reader, dir string) error {
	x := &extractor{root: dir, dirs: map[string]bool{".": true}, chown: os.Geteuid() == 0}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("tar: %w", err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := x.entry(hdr, tr); err != nil {
			return fmt.Errorf("tar: %s: %w", hdr.Name, err)
		}
	}
	return x.finish()
}

type extractor struct {
	root  string
	dirs  map[string]bool // slash paths known to be real directories made here
	chown bool
	later []*tar.Header // directories, for their modes and times
}

// clean turns an archive name into a slash path relative to the root.
func clean(name string) (string, error) {
	p := path.Clean(strings.TrimPrefix(name, "./"))
	if p == "" || path.IsAbs(p) || p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("name %q leaves the tree: %w", name, errdefs.ErrInvalid)
	}
	return p, nil
}

func (x *extractor) path(rel string) string { return filepath.Join(x.root, filepath.FromSlash(rel)) }

// mkdirs makes sure rel is a real directory, creating what is missing;
// a symbolic link or a file on the way is an error.
func (x *extractor) mkdirs(rel string) error {
	if x.dirs[rel] {
		return nil
	}
	if err := x.mkdirs(path.Dir(rel)); err != nil {
		return err
	}
	p := x.path(rel)
	fi, err := os.Lstat(p)
	switch {
	case err == nil && fi.IsDir():
	case err == nil:
		return fmt.Errorf("%s is not a directory (a link or file made by the archive): %w", rel, errdefs.ErrInvalid)
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(p, 0o755); err != nil {
			return err
		}
	default:
		return err
	}
	x.dirs[rel] = true
	return nil
}

// clear removes what is at rel so that a non-directory can take its place.
func (x *extractor) clear(rel string) error {
	p := x.path(rel)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("would replace a directory: %w", errdefs.ErrInvalid)
	}
	return os.Remove(p)
}

func (x *extractor) entry(hdr *tar.Header, r io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	rel, err := clean(hdr.Name)
	if err != nil {
		return err
	}
	if rel == "." {
		return nil // the root keeps the mode its caller gave it
	}
	if err := x.mkdirs(path.Dir(rel)); err != nil {
		return err
	}
	p := x.path(rel)
	mode := hdr.FileInfo().Mode()
	perm := mode.Perm() | mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := x.mkdirs(rel); err != nil {
			return err
		}
		x.later = append(x.later, hdr)
		return nil
	case tar.TypeReg, tar.TypeRegA:
		if err := x.clear(rel); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, r); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		return x.attrs(p, hdr, perm)
	case tar.TypeSymlink:
		if err := x.clear(rel); err != nil {
			return err
		}
		if err := os.Symlink(hdr.Linkname, p); err != nil {
			return err
		}
		if x.chown {
			return os.Lchown(p, hdr.Uid, hdr.Gid)
		}
		return nil
	case tar.TypeLink:
		target, err := clean(hdr.Linkname)
		if err != nil {
			return err
		}
		if err := x.mkdirs(path.Dir(target)); err != nil {
			return err
		}
		fi, err := os.Lstat(x.path(target))
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("hard link to %s, which is not a regular file: %w", target, errdefs.ErrInvalid)
		}
		if err := x.clear(rel); err != nil {
			return err
		}
		return os.Link(x.path(target), p)
	case tar.TypeFifo:
		if err := x.clear(rel); err != nil {
			return err
		}
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			return err
		}
		return x.attrs(p, hdr, perm)
	default: // devices: jails get /dev from devfs or a fresh tmpfs
		return nil
	}
}

// attrs restores the owner, then the mode (chown clears set-id bits),
// then the modification time of a file.
func (x *extractor) attrs(p string, hdr *tar.Header, perm fs.FileMode) error {
	if x.chown {
		if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
			return err
		}
	}
	if err := os.Chmod(p, perm); err != nil {
		return err
	}
	return os.Chtimes(p, hdr.ModTime, hdr.ModTime)
}

// finish applies the directories' owners, modes and times, deepest first.
func (x *extractor) finish() error {
	for i := len(x.later) - 1; i >= 0; i-- {
		hdr := x.later[i]
		rel, _ := clean(hdr.Name)
		mode := hdr.FileInfo().Mode()
		if err := x.attrs(x.path(rel), hdr, mode.Perm()|mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
			return fmt.Errorf("tar: %s: %w", hdr.Name, err)
		}
	}
	return nil
}
