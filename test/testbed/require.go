//go:build linux

package testbed

import (
	"os"
	"os/exec"
	"testing"
)

// Require skips t unless the machine can run a bed: root (for the bridge
// and taps), qemu-system-x86_64, /dev/net/tun and apt-get for the kernel.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("testbed: needs root for its bridge and tap devices")
	}
	for _, p := range []string{"qemu-system-x86_64", "apt-get", "dpkg-deb", "depmod", "modprobe", "xz", "ldd"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("testbed: %s not found (apt-get install qemu-system-x86 kmod xz-utils)", p)
		}
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("testbed: no /dev/net/tun: %v", err)
	}
}
