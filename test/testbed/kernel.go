//go:build linux

package testbed

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrUnavailable reports that something the testbed needs (QEMU, the
// Debian kernel package, root) cannot be had on this machine.
var ErrUnavailable = errors.New("testbed unavailable")

// kernelDeb returns the path of the .deb that linux-image-amd64 currently
// depends on, downloading it into cache/debs with apt-get if neither that
// directory nor apt's own archive cache has it.
func kernelDeb(ctx context.Context, cache string) (string, error) {
	out, err := command{argv: []string{"apt-cache", "depends", "linux-image-amd64"}, timeout: time.Minute}.run(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var pkg string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], "linux-image-") {
			pkg = f[1]
			break
		}
	}
	if pkg == "" {
		return "", fmt.Errorf("%w: linux-image-amd64 depends on no kernel (run apt-get update)", ErrUnavailable)
	}
	debs := filepath.Join(cache, "debs")
	for _, dir := range []string{debs, "/var/cache/apt/archives"} {
		if m, _ := filepath.Glob(filepath.Join(dir, pkg+"_*_amd64.deb")); len(m) > 0 {
			return m[len(m)-1], nil
		}
	}
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(debs, "dl")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if _, err := (command{argv: []string{"apt-get", "download", pkg}, dir: tmp, timeout: 10 * time.Minute}).run(ctx); err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	m, _ := filepath.Glob(filepath.Join(tmp, pkg+"_*.deb"))
	if len(m) != 1 {
		return "", fmt.Errorf("%w: apt-get download %s left no .deb", ErrUnavailable, pkg)
	}
	dst := filepath.Join(debs, filepath.Base(m[0]))
	return dst, os.Rename(m[0], dst)
}

// kernelTree is a kernel package extracted into a scratch directory.
type kernelTree struct {
	root    string // the extracted package
	version string // as in /lib/modules/VERSION and uname -r
}

func extractKernel(ctx context.Context, deb, dir string) (*kernelTree, error) {
	if _, err := (command{argv: []string{"dpkg-deb", "-x", deb, dir}, timeout: 5 * time.Minute}).run(ctx); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(filepath.Join(dir, "lib", "modules"))
	if err != nil || len(ents) != 1 {
		return nil, fmt.Errorf("%s: want one /lib/modules/VERSION: %v", deb, err)
	}
	k := &kernelTree{root: dir, version: ents[0].Name()}
	// the package ships no modules.dep
	if _, err := (command{argv: []string{"depmod", "-b", dir, k.version}}).run(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// modules returns the files of the named modules and of everything they
// depend on, relative to the package root, in load order, without
// duplicates. Names built into the kernel yield no file.
func (k *kernelTree) modules(ctx context.Context, names []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	for _, name := range names {
		out, err := command{argv: []string{"modprobe", "-d", k.root, "-S", k.version, "--show-depends", name}}.run(ctx)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 2 || f[0] != "insmod" {
				continue
			}
			rel, err := filepath.Rel(k.root, f[1])
			if err != nil {
				return nil, err
			}
			if !seen[rel] {
				seen[rel] = true
				files = append(files, rel)
			}
		}
	}
	return files, nil
}

// vmlinux writes the uncompressed ELF kernel to dst. QEMU boots it through
// its PVH entry point, which skips the slow xz decompression under TCG.
func (k *kernelTree) vmlinux(ctx context.Context, dst string) error {
	data, err := os.ReadFile(filepath.Join(k.root, "boot", "vmlinuz-"+k.version))
	if err != nil {
		return err
	}
	i := bytes.Index(data, []byte("\xfd7zXZ\x00"))
	if i < 0 {
		return fmt.Errorf("vmlinuz-%s: no xz payload", k.version)
	}
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = command{argv: []string{"xz", "-dc", "--single-stream"}, stdin: bytes.NewReader(data[i:]), stdout: f}.run(ctx)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	e, err := elf.Open(dst)
	if err != nil {
		return fmt.Errorf("vmlinux-%s: %w", k.version, err)
	}
	return e.Close()
}
