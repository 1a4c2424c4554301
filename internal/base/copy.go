package base

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// CopyTree copies the directory tree src into dst (existing directories
// are merged, existing files are an error) preserving modes, owners, modification times, symbolic links and hard
// links. It is meant for the small writable part of a base (etc, root,
// var, ...); named pipes are recreated, device nodes and sockets skipped.
func CopyTree(src, dst string) error {
	links := map[uint64]string{} // inode -> first copy, for hard links
	type dirTime struct {
		path string
		fi   fs.FileInfo
	}
	var dirs []dirTime
	err := filepath.Walk(src, func(p string, fi fs.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		st, _ := fi.Sys().(*syscall.Stat_t)
		switch mode := fi.Mode(); {
		case mode.IsDir():
			if err := os.Mkdir(to, mode.Perm()|0o700); err != nil {
				if st, serr := os.Stat(to); !os.IsExist(err) || serr != nil || !st.IsDir() {
					return err
				}
			}
			dirs = append(dirs, dirTime{to, fi})
			return chown(to, st)
		case mode&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, to); err != nil {
				return err
			}
			return lchown(to, st)
		case mode.IsRegular():
			if st != nil && uint64(st.Nlink) > 1 {
				if first, ok := links[uint64(st.Ino)]; ok {
					return os.Link(first, to)
				}
				links[uint64(st.Ino)] = to
			}
			if err := copyFile(p, to, fi); err != nil {
				return err
			}
			if err := chown(to, st); err != nil {
				return err
			}
			if err := os.Chmod(to, mode.Perm()|mode&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
				return err
			}
			return os.Chtimes(to, fi.ModTime(), fi.ModTime())
		case mode&fs.ModeNamedPipe != 0:
			if err := syscall.Mkfifo(to, uint32(mode.Perm())); err != nil {
				return err
			}
			if err := chown(to, st); err != nil {
				return err
			}
			return os.Chmod(to, mode.Perm())
		default:
			return nil // devices and sockets are not part of a jail's writable tree
		}
	})
	if err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		os.Chmod(d.path, d.fi.Mode().Perm()|d.fi.Mode()&(fs.ModeSetgid|fs.ModeSticky))
		os.Chtimes(d.path, d.fi.ModTime(), d.fi.ModTime())
	}
	return nil
}

func copyFile(src, dst string, fi fs.FileInfo) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fi.Mode().Perm()|0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func chown(p string, st *syscall.Stat_t) error {
	if st == nil {
		return nil
	}
	return os.Chown(p, int(st.Uid), int(st.Gid))
}

func lchown(p string, st *syscall.Stat_t) error {
	if st == nil {
		return nil
	}
	return os.Lchown(p, int(st.Uid), int(st.Gid))
}
