package integration

import (
	"os"
	"os/exec"
	"path/filepath"
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

	// pkglist: packages installed at creation by apt inside the jail (host
	// network, vnet=0, to reach the mirror); the jail is left stopped. apt
	// writes /usr, so it takes a baserw=1 jail.
	if out := n.fail("jcreate", "jname=deb2", "ver=bookworm", "baserw=0", "pkglist=hello"); !strings.Contains(out, "needs baserw=1") {
		t.Fatalf("pkglist on baserw=0: %s", out)
	}
	out = n.ok("jcreate", "jname=deb2", "ver=bookworm", "baserw=1", "ip4_addr=0", "vnet=0", "pkglist=hello")
	if !strings.Contains(out, "apt-get -q -y --no-install-recommends install hello") {
		t.Fatalf("jcreate pkglist:\n%s", out)
	}
	if st := n.status("deb2"); st != "Off" {
		t.Fatalf("deb2 after jcreate: %s", st)
	}
	n.ok("jstart", "deb2")
	if out := n.ok("jexec", "jname=deb2", "hello"); strings.TrimSpace(out) != "Hello, world!" {
		t.Fatalf("hello: %q", out)
	}
	if _, err := os.Stat(filepath.Join(n.W, "basejail/base_amd64_amd64_bookworm/usr/bin/hello")); err == nil {
		t.Fatal("pkglist installed into the base")
	}
	n.ok("jstop", "deb2")
	// A package that does not exist: the jail is removed again.
	out = n.fail("jcreate", "jname=deb3", "ver=bookworm", "baserw=1", "ip4_addr=0", "vnet=0", "pkglist=no-such-package-cbsd")
	if !strings.Contains(out, "pkglist") {
		t.Fatalf("failed pkglist: %s", out)
	}
	if out := n.ok("jls", "header=0", "display=jname"); strings.Contains(out, "deb3") {
		t.Fatalf("deb3 left behind:\n%s", out)
	}
}
