//go:build linux

package testbed

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCpioUnpacks writes a tree with writeCpio and unpacks it with
// busybox cpio, which reads the same newc format as the kernel.
func TestCpioUnpacks(t *testing.T) {
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not found")
	}
	src := t.TempDir()
	files := map[string]string{"init": "#!/bin/sh\n", "bin/x": "", "etc/odd": "12345"}
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../init", filepath.Join(src, "bin", "link")); err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := writeCpio(&archive, src); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	cmd := exec.Command(busybox, "cpio", "-i", "-d")
	cmd.Dir, cmd.Stdin = dst, bytes.NewReader(archive.Bytes())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("busybox cpio -i: %v\n%s", err, out)
	}
	for name, data := range files {
		st, err := os.Stat(filepath.Join(dst, name))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(dst, name)); string(got) != data || st.Mode().Perm() != 0o750 {
			t.Errorf("%s: %q mode %o, want %q mode 750", name, got, st.Mode().Perm(), data)
		}
	}
	if target, err := os.Readlink(filepath.Join(dst, "bin", "link")); err != nil || target != "../init" {
		t.Errorf("bin/link -> %q, %v", target, err)
	}
	if st, err := os.Lstat(filepath.Join(dst, "dev", "console")); err == nil && st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("dev/console is %s, want a character device", st.Mode())
	}
}
