//go:build linux

package testbed

import (
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// File is a host file copied into every guest.
type File struct {
	Src string // host path; symlinks are followed
	Dst string // absolute path in the guest
}

// withLibs returns f plus the shared libraries its program links, as ldd
// lists them, each at its host path. A static program (no ELF interpreter)
// or a non-ELF file stands alone.
func withLibs(ctx context.Context, f File) ([]File, error) {
	files := []File{f}
	e, err := elf.Open(f.Src)
	if err != nil {
		return files, nil
	}
	dynamic := false
	for _, p := range e.Progs {
		if p.Type == elf.PT_INTERP {
			dynamic = true
		}
	}
	e.Close()
	if !dynamic {
		return files, nil
	}
	out, err := command{argv: []string{"ldd", f.Src}}.run(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range strings.Split(string(out), "\n") {
		// "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
		// "/lib64/ld-linux-x86-64.so.2 (0x...)"
		fields := strings.Fields(l)
		if len(fields) >= 3 && fields[1] == "=>" && strings.HasPrefix(fields[2], "/") {
			files = append(files, File{Src: fields[2], Dst: fields[2]})
		} else if len(fields) >= 1 && strings.HasPrefix(fields[0], "/") {
			files = append(files, File{Src: fields[0], Dst: fields[0]})
		}
	}
	return files, nil
}

// copyFile copies src (following symlinks) to dst with src's permissions.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
