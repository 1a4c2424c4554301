//go:build linux

package testbed

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

//go:embed init.sh
var initScript []byte

// imageFormat changes whenever the layout of a built image changes, so old
// cache entries are not reused.
const imageFormat = "testbed-image-2"

// bootModules are loaded by /init; the others are in the image for
// modprobe (and the kernel's own module requests): disks, NFS client and
// server, overlay, veth and bridge for jails, ACPI power button.
var bootModules = []string{"virtio_pci", "virtio_net", "virtio_console"}

var extraModules = []string{"virtio_blk", "nfs", "nfsv4", "nfsd", "overlay", "veth", "bridge", "button", "evdev"}

// ImageSpec says what goes into a guest image besides the kernel, busybox,
// runc and the agent.
type ImageSpec struct {
	Files    []File   // copied as they are (a Go program built with CGO_ENABLED=0, data)
	Binaries []File   // dynamically linked programs: copied with their shared libraries
	Modules  []string // kernel modules to add, with their dependencies
}

// Image is a built guest: a kernel QEMU can boot directly and its initramfs.
type Image struct {
	Kernel        string // uncompressed ELF vmlinux
	Initrd        string // newc cpio
	KernelVersion string
}

// CacheDir is where images and the kernel package are kept between runs:
// debs/ (the kernel package), kernel-PKG_VERSION/vmlinux (one per kernel
// package) and img-KEY/initrd (one per set of inputs).
func CacheDir() string { return filepath.Join(os.TempDir(), "cbsd-testbed") }

// staleAfter is how long an image may go unused before a build removes it.
const staleAfter = 24 * time.Hour

// BuildImage returns the image for spec, building it unless CacheDir
// already holds one made from the same inputs (keyed by their content).
func BuildImage(ctx context.Context, spec ImageSpec, logf func(string, ...any)) (*Image, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	cache := CacheDir()
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, err
	}
	deb, err := kernelDeb(ctx, cache)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp(cache, "build")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	files, err := imageFiles(ctx, spec, scratch)
	if err != nil {
		return nil, err
	}
	modules := slices.Concat(bootModules, extraModules, spec.Modules)
	key, err := imageKey(deb, modules, files)
	if err != nil {
		return nil, err
	}
	kdir := filepath.Join(cache, "kernel-"+strings.TrimSuffix(filepath.Base(deb), ".deb"))
	dir := filepath.Join(cache, "img-"+key)
	img := &Image{Kernel: filepath.Join(kdir, "vmlinux"), Initrd: filepath.Join(dir, "initrd")}
	v, verr := os.ReadFile(filepath.Join(dir, "version"))
	if _, kerr := os.Stat(img.Kernel); verr == nil && kerr == nil {
		img.KernelVersion = string(v)
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // in use: not stale
		return img, nil
	}
	start := time.Now()
	pruneImages(cache)
	if img.KernelVersion, err = buildImage(ctx, deb, modules, files, scratch, kdir, dir); err != nil {
		return nil, err
	}
	logf("testbed: built image %s (kernel %s) in %s", dir, img.KernelVersion, time.Since(start).Round(time.Millisecond))
	return img, nil
}

// pruneImages removes images not used for staleAfter.
func pruneImages(cache string) {
	dirs, _ := filepath.Glob(filepath.Join(cache, "img-*"))
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && time.Since(st.ModTime()) > staleAfter {
			_ = os.RemoveAll(d)
		}
	}
}

// imageFiles lists every file of the initramfs that comes from the host:
// busybox, the agent (built into scratch), runc and its libraries, and
// what spec adds.
func imageFiles(ctx context.Context, spec ImageSpec, scratch string) ([]File, error) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		return nil, errors.New("busybox not found: apt-get install busybox-static")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		return nil, errors.New("runc not found: apt-get install runc")
	}
	agent, err := buildAgent(ctx, scratch)
	if err != nil {
		return nil, err
	}
	files := []File{{Src: agent, Dst: "/bin/tbagent"}}
	for _, b := range slices.Concat([]File{{Src: busybox, Dst: "/bin/busybox"}, {Src: runc, Dst: "/usr/sbin/runc"}}, spec.Binaries) {
		fs, err := withLibs(ctx, b)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	files = append(files, spec.Files...)
	for _, f := range files {
		if !filepath.IsAbs(f.Dst) {
			return nil, fmt.Errorf("guest path %q of %s is not absolute", f.Dst, f.Src)
		}
	}
	return files, nil
}

func imageKey(deb string, modules []string, files []File) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%q\n", imageFormat, filepath.Base(deb), initScript, modules)
	for _, f := range files {
		in, err := os.Open(f.Src)
		if err != nil {
			return "", err
		}
		st, err := in.Stat()
		if err == nil {
			fmt.Fprintf(h, "%s %o %d\n", f.Dst, st.Mode().Perm(), st.Size())
			_, err = io.Copy(h, in)
		}
		in.Close()
		if err != nil {
			return "", fmt.Errorf("hash %s: %w", f.Src, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
