package integration

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBookwormJail builds a Debian base with debootstrap and runs apt in a
// baserw=0 jail on it. Set CBSD_TEST_BOOKWORM=0 to skip it locally.
func TestBookwormJail(t *testing.T) {
	if os.Getenv("CBSD_TEST_BOOKWORM") == "0" {
		t.Skip("CBSD_TEST_BOOKWORM=0")
	}
	requireRoot(t)
	if _, err := exec.LookPath("debootstrap"); err != nil {
		t.Skip("debootstrap is not installed (apt-get install debootstrap)")
	}
	n := newNode(t)
	n.ok("mkbase", "ver=bookworm")
	n.ok("jcreate", "jname=deb1", "ver=bookworm", "baserw=0", "ip4_addr=DHCP", "vnet=1")
	n.ok("jstart", "deb1")
	out := n.ok("jexec", "jname=deb1", "apt", "--version")
	if !strings.HasPrefix(out, "apt ") {
		t.Fatalf("apt --version: %q", out)
	}
	if out := n.ok("jexec", "jname=deb1", "cat", "/etc/debian_version"); !strings.HasPrefix(out, "12.") {
		t.Fatalf("debian_version = %q", out)
	}
	n.fail("jexec", "jname=deb1", "touch", "/usr/bin/x")
	n.ok("jexec", "jname=deb1", "sh", "-c", "echo ok > /root/f && echo ok > /etc/f")
	n.ok("jstop", "deb1")
	n.ok("jremove", "deb1")
}
