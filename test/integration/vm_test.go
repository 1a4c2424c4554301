package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// guest builds (once per machine) a kernel and busybox initramfs from
// Debian packages with testdata/mkguest.sh.
func guest(t *testing.T) (kernel, initrd string) {
	t.Helper()
	for _, p := range []string{"qemu-system-x86_64", "busybox", "apt-get", "dpkg-deb"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install qemu-system-x86 busybox-static)", p)
		}
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(os.TempDir(), "cbsd-test-guest")
	cmd := exec.Command("bash", filepath.Join(filepath.Dir(file), "testdata", "mkguest.sh"), dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build guest: %v\n%s", err, out)
	}
	return filepath.Join(dir, "vmlinuz"), filepath.Join(dir, "initrd.gz")
}

// TestVMBootAndACPIStop: bstart boots a guest under QEMU (TCG here) to a
// marker on its serial console, bls shows it On, bstop powers it off with
// an ACPI power-button press handled by acpid in the guest.
func TestVMBootAndACPIStop(t *testing.T) {
	requireRoot(t)
	kernel, initrd := guest(t)
	n := newNode(t)
	n.ok("bcreate", "jname=vm1", "vm_ram=256m", "imgsize=64m", "vm_kernel="+kernel, "vm_initrd="+initrd,
		"vm_cmdline=console=ttyS0 quiet panic=-1 cbsd.marker=CBSD-VM-UP", "hard_timeout=30")
	if _, err := os.Stat(filepath.Join(n.W, "jails-data/vm1-data/dsk1.vhd")); err != nil {
		t.Fatalf("disk: %v", err)
	}
	start := time.Now()
	n.ok("bstart", "vm1")
	console := filepath.Join(n.W, "var/log/vm1.console.log")
	waitFor(t, "the guest's marker on the serial console", 60*time.Second, func() bool {
		b, _ := os.ReadFile(console)
		return strings.Contains(string(b), "CBSD-VM-UP")
	})
	t.Logf("booted to the marker in %s", time.Since(start).Round(100*time.Millisecond))
	if out := n.ok("bls", "header=0", "display=jname,status", "vm1"); strings.TrimSpace(out) != "vm1  On" {
		t.Fatalf("bls: %q", out)
	}
	n.fail("bstart", "vm1")
	start = time.Now()
	n.ok("bstop", "vm1")
	took := time.Since(start)
	b, _ := os.ReadFile(console)
	if !strings.Contains(string(b), "CBSD-GUEST-POWEROFF") {
		t.Fatalf("the guest did not power off through ACPI (bstop took %s)", took)
	}
	t.Logf("ACPI power-off in %s", took.Round(100*time.Millisecond))
	if out := n.ok("bls", "header=0", "display=jname,status", "vm1"); strings.TrimSpace(out) != "vm1  Off" {
		t.Fatalf("bls after bstop: %q", out)
	}
	// A QEMU killed behind cbsd's back shows Off.
	n.ok("bstart", "vm1")
	pid := strings.TrimSpace(n.ok("bget", "jname=vm1", "mode=quiet", "jid"))
	exec.Command("kill", "-9", pid).Run()
	waitFor(t, "vm1 to show Off", 10*time.Second, func() bool {
		return strings.TrimSpace(n.ok("bls", "header=0", "display=status", "vm1")) == "Off"
	})
	n.ok("bremove", "vm1")
	if _, err := os.Stat(filepath.Join(n.W, "jails-data/vm1-data")); err == nil {
		t.Fatal("data left after bremove")
	}
}

// TestVMNetworkWithJail: a VM with a tap NIC on the node's bridge and a
// vnet jail on the same bridge reach each other.
func TestVMNetworkWithJail(t *testing.T) {
	requireRoot(t)
	kernel, initrd := guest(t)
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=j1", "ver=busybox", "vnet=1", "ip4_addr=DHCP")
	n.ok("jstart", "j1")
	jip := strings.Split(strings.TrimSpace(n.ok("jget", "jname=j1", "mode=quiet", "ip4_addr")), "/")[0]
	vmip := jip[:strings.LastIndexByte(jip, '.')] + ".200"
	n.ok("bcreate", "jname=vmnet", "vm_ram=256m", "nic_parent=auto", "vm_kernel="+kernel, "vm_initrd="+initrd,
		"vm_cmdline=console=ttyS0 quiet panic=-1 cbsd.marker=CBSD-NET-UP cbsd.ip="+vmip+"/24")
	mac := strings.TrimSpace(n.ok("bget", "jname=vmnet", "mode=quiet", "nic_hwaddr"))
	if len(mac) != 17 {
		t.Fatalf("no MAC stored: %q", mac)
	}
	n.ok("bstart", "vmnet")
	console := filepath.Join(n.W, "var/log/vmnet.console.log")
	waitFor(t, "the guest's marker", 60*time.Second, func() bool {
		b, _ := os.ReadFile(console)
		return strings.Contains(string(b), "CBSD-NET-UP")
	})
	var out string
	waitFor(t, "the jail to reach the VM", 20*time.Second, func() bool {
		out, _ = n.run("jexec", "jname=j1", "ping", "-c", "1", "-W", "2", vmip)
		return strings.Contains(out, "1 packets received")
	})
	n.ok("bstop", "vmnet")
	if o, _ := exec.Command("ip", "-o", "link").Output(); strings.Contains(string(o), "vmnet-nic0") {
		t.Fatalf("tap left after bstop:\n%s", o)
	}
}

// TestVMRegisterOnSecondNode: bunregister on one workdir and bregister on
// another that shares the VM's data directory (a bind mount stands in for
// shared storage) boots the very same disk.
func TestVMRegisterOnSecondNode(t *testing.T) {
	requireRoot(t)
	kernel, initrd := guest(t)
	n1 := newNamedNode(t, "vmnode1")
	n2 := newNamedNode(t, "vmnode2")
	n1.ok("bcreate", "jname=mv1", "vm_ram=256m", "imgsize=16m", "vm_kernel="+kernel, "vm_initrd="+initrd,
		"vm_cmdline=console=ttyS0 quiet panic=-1 cbsd.showdisk=1 cbsd.marker=CBSD-MOVED")
	disk := filepath.Join(n1.W, "jails-data/mv1-data/dsk1.vhd")
	f, err := os.OpenFile(disk, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("written-on-node1-xyz...."), 0)
	f.Close()
	n1.ok("bunregister", "jname=mv1")
	// "Shared storage": node2 sees node1's data directory and descriptor.
	d2 := filepath.Join(n2.W, "jails-data/mv1-data")
	os.MkdirAll(d2, 0o755)
	if out, err := exec.Command("mount", "--bind", filepath.Join(n1.W, "jails-data/mv1-data"), d2).CombinedOutput(); err != nil {
		t.Fatalf("bind mount: %v %s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(n1.W, "jails-rcconf/rc.conf_mv1"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(n2.W, "jails-rcconf/rc.conf_mv1"), b, 0o644)
	if out := n2.ok("bregister", "jname=mv*"); !strings.Contains(out, "bregister: mv1 registered") {
		t.Fatalf("bregister: %s", out)
	}
	n2.ok("bstart", "mv1")
	console := filepath.Join(n2.W, "var/log/mv1.console.log")
	waitFor(t, "the moved VM's marker", 60*time.Second, func() bool {
		b, _ := os.ReadFile(console)
		return strings.Contains(string(b), "CBSD-MOVED")
	})
	if b, _ := os.ReadFile(console); !strings.Contains(string(b), "DISK:written-on-node1-xyz") {
		t.Fatalf("the guest on node2 did not read node1's disk:\n%s", b)
	}
	n2.ok("bstop", "mv1")
}

// TestVMOnPoweroff: a guest that powers itself off is started again with
// on_poweroff=restart, and ends the VM with the default (destroy).
func TestVMOnPoweroff(t *testing.T) {
	requireRoot(t)
	kernel, initrd := guest(t)
	n := newNode(t)
	n.ok("bcreate", "jname=po1", "vm_ram=256m", "on_poweroff=restart", "vm_kernel="+kernel, "vm_initrd="+initrd,
		"vm_cmdline=console=ttyS0 quiet panic=-1 cbsd.halt=1 cbsd.marker=CBSD-PO-UP")
	n.ok("bstart", "po1")
	console := filepath.Join(n.W, "var/log/po1.console.log")
	waitFor(t, "the guest to boot twice", 90*time.Second, func() bool {
		b, _ := os.ReadFile(console)
		return strings.Count(string(b), "CBSD-PO-UP") >= 2
	})
	n.ok("bstop", "po1")
	if s := strings.TrimSpace(n.ok("bls", "header=0", "display=status", "po1")); s != "Off" {
		t.Fatalf("after bstop: %q", s)
	}
	n.ok("bset", "jname=po1", "on_poweroff=destroy")
	n.ok("bstart", "po1")
	waitFor(t, "the guest to power off and the VM to end", 90*time.Second, func() bool {
		return strings.TrimSpace(n.ok("bls", "header=0", "display=status", "po1")) == "Off"
	})
}
