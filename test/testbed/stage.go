//go:build linux

package testbed

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
)

// buildImage extracts the kernel, writes vmlinux into kdir unless it is
// there, stages the initramfs tree and writes initrd and version into dir.
// Both directories are filled under a temporary name and renamed, so a
// concurrent build sees either nothing or a complete directory; when
// another build wins the race its result is as good as ours.
func buildImage(ctx context.Context, deb string, modules []string, files []File, scratch, kdir, dir string) (string, error) {
	k, err := extractKernel(ctx, deb, filepath.Join(scratch, "kernel"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(kdir, "vmlinux")); err != nil {
		kout := filepath.Join(scratch, "kout")
		if err := os.Mkdir(kout, 0o755); err != nil {
			return "", err
		}
		if err := k.vmlinux(ctx, filepath.Join(kout, "vmlinux")); err != nil {
			return "", err
		}
		if err := renameDir(kout, kdir); err != nil {
			return "", err
		}
	}
	root := filepath.Join(scratch, "root")
	if err := stageRoot(ctx, k, modules, files, root); err != nil {
		return "", err
	}
	out := filepath.Join(scratch, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(filepath.Join(out, "initrd"))
	if err != nil {
		return "", err
	}
	err = writeCpio(f, root)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(out, "version"), []byte(k.version), 0o644); err != nil {
		return "", err
	}
	return k.version, renameDir(out, dir)
}

// stageRoot lays out the initramfs tree: directories, /init, the host
// files and the kernel modules with a fresh modules.dep.
func stageRoot(ctx context.Context, k *kernelTree, modules []string, files []File, root string) error {
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "proc", "sys", "dev", "tmp", "run", "root", "mnt", "etc", "var/tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "init"), initScript, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := copyFile(f.Src, filepath.Join(root, f.Dst)); err != nil {
			return err
		}
	}
	mods, err := k.modules(ctx, modules)
	if err != nil {
		return err
	}
	moddir := filepath.Join("lib", "modules", k.version)
	for _, m := range append(mods, filepath.Join(moddir, "modules.builtin"), filepath.Join(moddir, "modules.builtin.modinfo"), filepath.Join(moddir, "modules.order")) {
		if err := copyFile(filepath.Join(k.root, m), filepath.Join(root, m)); err != nil {
			return err
		}
	}
	_, err = command{argv: []string{"depmod", "-b", root, k.version}}.run(ctx)
	return err
}

// renameDir moves a finished directory into place; losing the race to an
// identical one is fine.
func renameDir(from, to string) error {
	err := os.Rename(from, to)
	if errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY) {
		return nil
	}
	return err
}
