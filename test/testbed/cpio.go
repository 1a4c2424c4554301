//go:build linux

package testbed

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// writeCpio writes the tree under root as a newc cpio archive, the format
// the kernel unpacks as an initramfs, followed by a /dev/console node so
// that /init starts with its standard streams on the console. Owners are
// root and times are zero, so equal trees give equal archives.
func writeCpio(w io.Writer, root string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	cw := &cpioWriter{w: bw}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := uint32(info.Mode().Perm())
		switch {
		case info.Mode().IsDir():
			return cw.entry(rel, syscall.S_IFDIR|mode, 0, 0, nil)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return cw.entry(rel, syscall.S_IFLNK|0o777, 0, 0, []byte(target))
		case info.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return cw.entry(rel, syscall.S_IFREG|mode, 0, 0, data)
		}
		return fmt.Errorf("cpio: %s: unsupported file type %s", path, info.Mode().Type())
	})
	if err != nil {
		return err
	}
	if err := cw.entry("dev/console", syscall.S_IFCHR|0o600, 5, 1, nil); err != nil {
		return err
	}
	if err := cw.entry("TRAILER!!!", 0, 0, 0, nil); err != nil {
		return err
	}
	return bw.Flush()
}

type cpioWriter struct {
	w   *bufio.Writer
	ino uint32
}

func (c *cpioWriter) entry(name string, mode, rmajor, rminor uint32, data []byte) error {
	c.ino++
	nlink := 1
	if mode&syscall.S_IFMT == syscall.S_IFDIR {
		nlink = 2
	}
	// magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
	// devminor, rdevmajor, rdevminor, namesize, check
	if _, err := fmt.Fprintf(c.w, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		c.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmajor, rminor, len(name)+1, 0); err != nil {
		return err
	}
	c.w.WriteString(name)
	c.w.WriteByte(0)
	c.pad(110 + len(name) + 1)
	c.w.Write(data)
	c.pad(len(data))
	return nil
}

func (c *cpioWriter) pad(n int) {
	for ; n%4 != 0; n++ {
		c.w.WriteByte(0)
	}
}
