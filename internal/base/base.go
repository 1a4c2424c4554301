package base

import (
	"bufio"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/progress"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// Base is one installed base.
type Base struct {
	Name string // directory name, e.g. base_amd64_amd64_busybox
	Arch string
	Ver  string
	Path string
}

// WritableDirs are the directories a baserw=0 jail keeps in its data
// directory and mounts over the read-only base (CBSD's nullfs overlay set,
// Linux flavour).
var WritableDirs = []string{"etc", "root", "tmp", "home", "usr/local", "var"}

// mountPoints must exist in every base so the runtime never has to create
// them in a shared read-only tree.
var mountPoints = []string{"proc", "sys", "dev", "tmp", "etc", "root", "home", "usr/local", "var", "run", "mnt"}

// Builder makes bases.
type Builder struct {
	L   workdir.Layout
	Run *sys.Runner
	Out func(format string, a ...any)
	// Progress shows long steps (debootstrap, downloads); nil = quiet.
	Progress io.Writer
}

// List returns the installed bases.
func List(l workdir.Layout) ([]Base, error) {
	ents, err := os.ReadDir(l.Path("basejail"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []Base
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "base_") {
			continue
		}
		f := strings.Split(strings.TrimPrefix(e.Name(), "base_"), "_")
		if len(f) < 3 {
			continue
		}
		p := filepath.Join(l.Path("basejail"), e.Name())
		if !Ready(p) {
			continue
		}
		out = append(out, Base{Name: e.Name(), Arch: f[len(f)-3], Ver: f[len(f)-1], Path: p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Ready reports whether a base directory is complete (has a shell).
func Ready(dir string) bool {
	for _, sh := range []string{"bin/sh", "usr/bin/sh"} {
		if _, err := os.Lstat(filepath.Join(dir, sh)); err == nil {
			return true
		}
	}
	return false
}

// NativeVer is what ver=native means on Linux: the host's release codename.
func NativeVer() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return "busybox"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VERSION_CODENAME="); ok && v != "" {
			return strings.Trim(v, `"`)
		}
	}
	return "busybox"
}

// Build makes the base for ver unless it exists. It builds in a temporary
// directory and renames it into place, so a failed build leaves nothing.
func (b *Builder) Build(ctx context.Context, ver, arch string, force bool) (string, error) {
	if ver == "" || strings.ContainsAny(ver, "/ \t") || ver == "." || ver == ".." {
		return "", fmt.Errorf("bad ver %q: %w", ver, errdefs.ErrInvalid)
	}
	if arch == "" || arch == "native" {
		arch = workdir.Arch()
	}
	dst := b.L.BaseDir("", arch, ver)
	if Ready(dst) && !force {
		return dst, nil
	}
	start := time.Now()
	err := b.install(dst, func(tmp string) error {
		var err error
		if ver == "busybox" {
			err = b.busybox(ctx, tmp)
		} else {
			err = b.debootstrap(ctx, tmp, ver, arch)
		}
		if err != nil {
			return err
		}
		return prepare(tmp)
	})
	if err != nil {
		return "", err
	}
	b.Out("base %s ready in %s (%.1fs)\n", filepath.Base(dst), dst, time.Since(start).Seconds())
	return dst, nil
}

func (b *Builder) busybox(ctx context.Context, dir string) error {
	bb := ""
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			bb = p
			break
		}
	}
	if bb == "" {
		return fmt.Errorf("busybox not found: apt-get install busybox-static: %w", errdefs.ErrNotFound)
	}
	if dynamic(bb) {
		return fmt.Errorf("%s is dynamically linked; install busybox-static: %w", bb, errdefs.ErrNotSupported)
	}
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "tmp", "var/log", "var/run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if _, err := b.Run.Run(ctx, sys.Cmd{Argv: []string{"cp", "-p", bb, filepath.Join(dir, "bin/busybox")}, Timeout: time.Minute}); err != nil {
		return err
	}
	list, err := b.Run.Output(ctx, 30*time.Second, filepath.Join(dir, "bin/busybox"), "--list-full")
	if err != nil {
		return err
	}
	for _, a := range strings.Fields(string(list)) {
		p := filepath.Join(dir, a)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink("/bin/busybox", p); err != nil {
			return err
		}
	}
	os.Chmod(filepath.Join(dir, "tmp"), 0o1777)
	files := map[string]string{
		"etc/passwd":      "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
		"etc/group":       "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n",
		"etc/hostname":    "busybox\n",
		"etc/hosts":       "127.0.0.1\tlocalhost\n",
		"etc/os-release":  "NAME=\"BusyBox\"\nID=busybox\nPRETTY_NAME=\"cbsd busybox base\"\n",
		"etc/resolv.conf": "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func dynamic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}

// Mirror returns the Debian mirror apt uses on this host.
func Mirror() string {
	if b, err := os.ReadFile("/etc/apt/sources.list.d/debian.sources"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "URIs:"); ok {
				if f := strings.Fields(v); len(f) > 0 {
					return f[0]
				}
			}
		}
	}
	if b, err := os.ReadFile("/etc/apt/sources.list"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == "deb" && strings.HasPrefix(f[1], "http") {
				return f[1]
			}
		}
	}
	return "http://deb.debian.org/debian"
}

func (b *Builder) debootstrap(ctx context.Context, dir, ver, arch string) error {
	if _, err := sys.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("debootstrap not found: apt-get install debootstrap: %w", errdefs.ErrNotFound)
	}
	mirror := Mirror()
	b.Out("debootstrap --variant=minbase %s from %s (about a minute)\n", ver, mirror)
	argv := []string{"debootstrap", "--variant=minbase", "--arch=" + arch, ver, dir, mirror}
	pw := progress.Lines(b.Progress, "debootstrap", func(l string) bool { return strings.HasPrefix(l, "I: ") })
	_, err := b.Run.Run(ctx, sys.Cmd{Argv: argv, Stdout: pw, Timeout: 30 * time.Minute})
	pw.Close()
	if err != nil {
		return err
	}
	// Package caches are not part of a base (CBSD bases carry none either).
	for _, d := range []string{"var/cache/apt/archives", "var/lib/apt/lists"} {
		ents, _ := os.ReadDir(filepath.Join(dir, d))
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			os.Remove(filepath.Join(dir, d, e.Name()))
		}
	}
	return nil
}

// prepare creates the mount points every jail needs.
func prepare(dir string) error {
	for _, d := range mountPoints {
		p := filepath.Join(dir, d)
		if _, err := os.Lstat(p); err == nil {
			continue
		}
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// install fills a temporary directory beside dst and renames it into place
// (replacing an older dst), so a failed fill leaves nothing.
func (b *Builder) install(dst string, fill func(tmp string) error) error {
	tmp := dst + ".new"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if Ready(dst) {
		old := dst + ".old"
		os.RemoveAll(old)
		if err := os.Rename(dst, old); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		defer os.RemoveAll(old)
	} else {
		os.RemoveAll(dst)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return nil
}
