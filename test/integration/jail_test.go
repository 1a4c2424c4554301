package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/internal/workdir"
)

// TestBusyboxLifecycle: create, start, exec, list, stop, restart, remove.
func TestBusyboxLifecycle(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=web1", "ver=busybox", "baserw=0", "ip4_addr=DHCP", "vnet=1")
	if s := n.status("web1"); s != "Off" {
		t.Fatalf("status after create = %q", s)
	}
	out := n.ok("jstart", "web1")
	if !strings.Contains(out, "started") {
		t.Fatalf("jstart: %s", out)
	}
	if s := n.status("web1"); s != "On" {
		t.Fatalf("status after start = %q", s)
	}
	if out := n.ok("jexec", "jname=web1", "cat", "/etc/os-release"); !strings.Contains(out, "BusyBox") {
		t.Fatalf("os-release: %q", out)
	}
	// argv is passed unchanged; exit codes come back.
	n.ok("jexec", "jname=web1", "sh", "-c", "echo a > /root/f")
	if out := n.ok("jexec", "jname=web1", "cat", "/root/f"); out != "a\n" {
		t.Fatalf("cat /root/f = %q", out)
	}
	if _, code := n.run("jexec", "jname=web1", "sh", "-c", "exit 7"); code != 7 {
		t.Fatalf("exit code = %d, want 7", code)
	}
	if out := n.ok("jexec", "jname=web1", "hostname"); out != "web1.my.domain\n" {
		t.Fatalf("hostname = %q", out)
	}
	if out := n.ok("jexec", "jname=web1", "cmd=echo $((1+2)) | cat"); out != "3\n" {
		t.Fatalf("cmd= = %q", out)
	}
	if out := n.ok("jexec", "jname=web1", "user=nobody", "dir=/tmp", "sh", "-c", "id -u; pwd"); out != "65534\n/tmp\n" {
		t.Fatalf("user/dir = %q", out)
	}
	n.fail("jstart", "web1") // already running
	n.ok("jset", "jname=web1", "host_hostname=w1.example")
	if out := n.ok("jget", "jname=web1", "host_hostname"); out != "host_hostname: w1.example\n" {
		t.Fatalf("jget = %q", out)
	}
	n.ok("jrestart", "web1")
	if out := n.ok("jexec", "jname=web1", "hostname"); out != "w1.example\n" {
		t.Fatalf("hostname after jset+jrestart = %q", out)
	}
	// The file written before the restart is still there (data dir).
	n.ok("jexec", "jname=web1", "test", "-f", "/root/f")
	n.ok("jstop", "web1")
	if s := n.status("web1"); s != "Off" {
		t.Fatalf("status after stop = %q", s)
	}
	out = n.fail("jstop", "web1")
	if !strings.Contains(out, "Not Running") {
		t.Fatalf("second jstop: %s", out)
	}
	n.fail("jexec", "jname=web1", "true")
	if _, err := os.Stat(filepath.Join(n.W, "var/log/web1.log")); err != nil {
		t.Fatalf("console log: %v", err)
	}
	n.ok("jremove", "web1")
	for _, p := range []string{"jails-data/web1-data", "jails-system/web1", "jails-fstab/web1", "var/run/oci/web1"} {
		if _, err := os.Stat(filepath.Join(n.W, p)); err == nil {
			t.Errorf("%s left after jremove", p)
		}
	}
	if out := n.ok("jls", "header=0"); strings.TrimSpace(out) != "" {
		t.Fatalf("jls after remove: %q", out)
	}
}

// TestBaseReadOnlyShared: baserw=0 jails cannot write the base, can write
// /etc and /root, and two of them share one base without a copy.
func TestBaseReadOnlyShared(t *testing.T) {
	n := newNode(t)
	n.busybox()
	for _, j := range []string{"ro1", "ro2"} {
		n.ok("jcreate", "jname="+j, "ver=busybox", "baserw=0", "ip4_addr=DHCP")
		n.ok("jstart", j)
	}
	out, code := n.run("jexec", "jname=ro1", "touch", "/usr/bin/evil")
	if code == 0 || !strings.Contains(out, "Read-only file system") {
		t.Fatalf("write into /usr/bin: exit %d: %s", code, out)
	}
	n.fail("jexec", "jname=ro1", "sh", "-c", "echo x > /bin/evil")
	n.ok("jexec", "jname=ro1", "sh", "-c", "echo one > /etc/marker && echo r > /root/r")
	n.ok("jexec", "jname=ro2", "sh", "-c", "echo two > /etc/marker")
	if b, _ := os.ReadFile(filepath.Join(n.W, "jails-data/ro1-data/etc/marker")); string(b) != "one\n" {
		t.Fatalf("ro1 marker on host = %q", b)
	}
	if out := n.ok("jexec", "jname=ro2", "cat", "/etc/marker"); out != "two\n" {
		t.Fatalf("ro2 sees %q", out)
	}
	// Both run the very same busybox file of the base (same inode).
	base := filepath.Join(n.W, "basejail/base_amd64_amd64_busybox/bin/busybox")
	var st syscall.Stat_t
	if err := syscall.Stat(base, &st); err != nil {
		t.Fatal(err)
	}
	for _, j := range []string{"ro1", "ro2"} {
		out := n.ok("jexec", "jname="+j, "stat", "-c", "%i", "/bin/busybox")
		if strings.TrimSpace(out) != strconv.FormatUint(st.Ino, 10) {
			t.Fatalf("%s: /bin/busybox inode %s, base inode %d", j, out, st.Ino)
		}
		if _, err := os.Stat(filepath.Join(n.W, "jails-data", j+"-data", "bin")); err == nil {
			t.Fatalf("%s: data dir holds a copy of /bin", j)
		}
	}
	if _, err := os.Stat(filepath.Join(n.W, "basejail/base_amd64_amd64_busybox/bin/evil")); err == nil {
		t.Fatal("the base was modified")
	}
}

// TestBaseRW: baserw=1 jails get a private copy they may change.
func TestBaseRW(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=rw1", "ver=busybox", "baserw=1", "ip4_addr=DHCP")
	n.ok("jstart", "rw1")
	n.ok("jexec", "jname=rw1", "touch", "/usr/bin/mine")
	if _, err := os.Stat(filepath.Join(n.W, "jails-data/rw1-data/usr/bin/mine")); err != nil {
		t.Fatalf("write in baserw=1 jail did not land in its data: %v", err)
	}
	if _, err := os.Stat(filepath.Join(n.W, "basejail/base_amd64_amd64_busybox/usr/bin/mine")); err == nil {
		t.Fatal("the base was modified")
	}
	if out := n.ok("jls", "header=0", "display=path", "rw1"); strings.TrimSpace(out) != filepath.Join(n.W, "jails-data/rw1-data") {
		t.Fatalf("jls path of baserw=1 = %q", out)
	}
}

// TestVnetPing: two vnet jails reach each other by their DHCP addresses.
func TestVnetPing(t *testing.T) {
	n := newNode(t)
	n.busybox()
	var ips []string
	for _, j := range []string{"net1", "net2"} {
		n.ok("jcreate", "jname="+j, "ver=busybox", "vnet=1", "ip4_addr=DHCP")
		ip := strings.TrimSpace(n.ok("jget", "jname="+j, "mode=quiet", "ip4_addr"))
		if ip == "DHCP" || !strings.Contains(ip, "/") {
			t.Fatalf("%s: ip4_addr not allocated: %q", j, ip)
		}
		ips = append(ips, strings.Split(ip, "/")[0])
		n.ok("jstart", j)
	}
	if ips[0] == ips[1] {
		t.Fatalf("both jails got %s", ips[0])
	}
	out := n.ok("jexec", "jname=net1", "ping", "-c", "2", "-W", "3", ips[1])
	if !strings.Contains(out, "0% packet loss") {
		t.Fatalf("ping: %s", out)
	}
	n.ok("jexec", "jname=net2", "ping", "-c", "1", "-W", "3", ips[0])
	// Each jail sees only its own interfaces.
	if out := n.ok("jexec", "jname=net1", "ip", "-4", "addr"); !strings.Contains(out, ips[0]) || strings.Contains(out, ips[1]) {
		t.Fatalf("net1 addresses: %s", out)
	}
	n.ok("jstop", "net1")
	// The host side of the veth is gone with the jail.
	if out, _ := exec.Command("ip", "-o", "link").Output(); strings.Contains(string(out), "net1-eth0") {
		t.Fatalf("veth of net1 left behind:\n%s", out)
	}
}

// TestKilledJailShowsOff: a jail whose init is killed behind cbsd's back
// shows Off and starts again.
func TestKilledJailShowsOff(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=k1", "ver=busybox", "ip4_addr=DHCP", "vnet=1")
	n.ok("jstart", "k1")
	pid, _ := strconv.Atoi(n.jid("k1"))
	if pid <= 0 {
		t.Fatalf("jid = %d", pid)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "k1 to show Off", 5*time.Second, func() bool { return n.status("k1") == "Off" })
	n.ok("jstart", "k1")
	if s := n.status("k1"); s != "On" {
		t.Fatalf("status after restart = %q", s)
	}
	n.ok("jexec", "jname=k1", "true")
}

// TestConcurrentStart: two parallel jstarts of one jail start exactly one
// container; the other reports it running.
func TestConcurrentStart(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=c1", "ver=busybox", "ip4_addr=DHCP")
	var wg sync.WaitGroup
	outs := make([]string, 2)
	codes := make([]int, 2)
	for i := range outs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			outs[i], codes[i] = n.run("jstart", "c1")
		}(i)
	}
	wg.Wait()
	if codes[0]+codes[1] != 1 {
		t.Fatalf("want exactly one success:\n%d %s\n%d %s", codes[0], outs[0], codes[1], outs[1])
	}
	failed := outs[0]
	if codes[1] != 0 {
		failed = outs[1]
	}
	if !strings.Contains(failed, "already running") {
		t.Fatalf("loser said: %s", failed)
	}
	out, _ := exec.Command("runc", "--root", filepath.Join(n.W, "var/run/runc"), "list", "-q").Output()
	if got := strings.Fields(string(out)); len(got) != 1 || got[0] != "c1" {
		t.Fatalf("runc list = %q", got)
	}
	inits := 0
	for _, p := range procsNamed("__init") {
		if strings.Contains(readCgroup(p), workdir.Layout{W: n.W}.Cgroup("c1")+"\n") {
			inits++
		}
	}
	if inits != 1 {
		t.Fatalf("%d init processes for c1", inits)
	}
}

// TestSameNameTwoWorkdirs: jails of one name in two workdirs of a host run
// in cgroups of their own; removing one leaves the other running.
func TestSameNameTwoWorkdirs(t *testing.T) {
	n1, n2 := newNode(t), newNode(t)
	for _, n := range []*node{n1, n2} {
		n.busybox()
		n.ok("jcreate", "jname=same", "ver=busybox", "ip4_addr=0")
		n.ok("jstart", "same")
	}
	defer n2.run("jstop", "same")
	cgroups := map[string]bool{}
	for _, p := range procsNamed("__init") {
		cg := readCgroup(p)
		for _, n := range []*node{n1, n2} {
			if want := (workdir.Layout{W: n.W}).Cgroup("same"); strings.Contains(cg, want+"\n") {
				cgroups[want] = true
			}
		}
	}
	if len(cgroups) != 2 {
		t.Fatalf("jail 'same' of two workdirs in %d cgroups: %v", len(cgroups), cgroups)
	}
	n1.ok("jstop", "same")
	start := time.Now()
	n1.ok("jremove", "same")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("jremove took %s", d)
	}
	if st := n2.status("same"); st != "On" {
		t.Fatalf("the other workdir's jail is %s after the first was removed", st)
	}
	n2.ok("jexec", "jname=same", "true")
}

// TestFailedCreateLeavesNothing: a jcreate that fails leaves no row and no
// directory; a failed start leaves no runtime state.
func TestFailedCreateLeavesNothing(t *testing.T) {
	n := newNode(t)
	out := n.fail("jcreate", "jname=half", "ver=nosuchbase")
	if !strings.Contains(out, "cbsd mkbase ver=nosuchbase") {
		t.Fatalf("message: %s", out)
	}
	for _, p := range []string{"jails-data/half-data", "jails-system/half", "jails-fstab/half", "jails-rcconf/rc.conf_half"} {
		if _, err := os.Stat(filepath.Join(n.W, p)); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
	if out := n.ok("jls", "header=0", "display=jname"); strings.TrimSpace(out) != "" {
		t.Fatalf("row left behind: %q", out)
	}
	// A create that fails half-way: the data is populated, then the
	// fstab.local to copy turns out to be missing. Everything is undone.
	n.busybox()
	out = n.fail("jcreate", "jname=bad", "ver=busybox", "fstablocal=/nonexistent/fstab")
	if !strings.Contains(out, "fstablocal") {
		t.Fatalf("message: %s", out)
	}
	for _, p := range []string{"jails-data/bad-data", "jails-system/bad", "jails-fstab/bad", "jails-rcconf/rc.conf_bad"} {
		if _, err := os.Stat(filepath.Join(n.W, p)); err == nil {
			t.Errorf("%s left behind", p)
		}
	}
	if out := n.ok("jls", "header=0", "display=jname"); strings.TrimSpace(out) != "" {
		t.Fatalf("row left behind: %q", out)
	}

	// A start that fails (fstab source missing) leaves no runtime state.
	n.ok("jcreate", "jname=fs1", "ver=busybox", "vnet=1", "ip4_addr=DHCP")
	os.WriteFile(filepath.Join(n.W, "jails-fstab/fs1/fstab.local"), []byte("/nonexistent/dir /mnt nullfs rw 0 0\n"), 0o644)
	out = n.fail("jstart", "fs1")
	if !strings.Contains(out, "/mnt") {
		t.Fatalf("message: %s", out)
	}
	// A start that fails inside the runtime (mount point over a file).
	os.WriteFile(filepath.Join(n.W, "jails-fstab/fs1/fstab.local"), []byte(filepath.Join(n.W, "jails-data/fs1-data/etc")+" /etc/passwd nullfs rw 0 0\n"), 0o644)
	out = n.fail("jstart", "fs1")
	if s := n.status("fs1"); s != "Off" {
		t.Fatalf("status after failed start = %q (%s)", s, out)
	}
	if out, _ := exec.Command("runc", "--root", filepath.Join(n.W, "var/run/runc"), "list", "-q").Output(); strings.TrimSpace(string(out)) != "" {
		t.Fatalf("runtime state left: %q", out)
	}
	if _, err := os.Lstat(filepath.Join(n.W, "var/run/oci/fs1/ctl/exec.sock")); err == nil {
		t.Fatal("exec socket left behind")
	}
	if out, _ := exec.Command("ip", "-o", "link").Output(); strings.Contains(string(out), "fs1-eth0") {
		t.Fatalf("veth left:\n%s", out)
	}
	for _, p := range procsNamed("__supervise") {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); strings.Contains(string(b), n.W) && !zombie(p) {
			t.Fatalf("supervisor %d left running", p)
		}
	}
	// After fixing fstab.local it starts.
	os.WriteFile(filepath.Join(n.W, "jails-fstab/fs1/fstab.local"), nil, 0o644)
	n.ok("jstart", "fs1")
}

// TestFstabLocal: fstab.local entries become mounts inside the jail.
func TestFstabLocal(t *testing.T) {
	n := newNode(t)
	n.busybox()
	shared := t.TempDir()
	os.WriteFile(filepath.Join(shared, "hello"), []byte("from host\n"), 0o644)
	n.ok("jcreate", "jname=m1", "ver=busybox", "ip4_addr=DHCP")
	os.WriteFile(filepath.Join(n.W, "jails-fstab/m1/fstab.local"), []byte(shared+" /mnt nullfs ro 0 0\n"), 0o644)
	n.ok("jstart", "m1")
	if out := n.ok("jexec", "jname=m1", "cat", "/mnt/hello"); out != "from host\n" {
		t.Fatalf("cat /mnt/hello = %q", out)
	}
	n.fail("jexec", "jname=m1", "touch", "/mnt/x")
}

// TestHooks: tests/ failure aborts start; master_*.d hooks run on the host
// with the jail's parameters; start.d runs inside.
func TestHooks(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=h1", "ver=busybox", "ip4_addr=DHCP")
	sys := filepath.Join(n.W, "jails-system/h1")
	marker := filepath.Join(t.TempDir(), "marker")
	os.WriteFile(filepath.Join(sys, "tests/10-fail"), []byte("#!/bin/sh\necho not today >&2\nexit 3\n"), 0o755)
	out := n.fail("jstart", "h1")
	if !strings.Contains(out, "pre-start test failed") {
		t.Fatalf("message: %s", out)
	}
	if s := n.status("h1"); s != "Off" {
		t.Fatalf("status = %q", s)
	}
	os.Remove(filepath.Join(sys, "tests/10-fail"))
	os.WriteFile(filepath.Join(sys, "master_poststart.d/10-mark"), []byte("#!/bin/sh\necho \"$jname $host_hostname\" >> "+marker+"\nexit 1\n"), 0o755)
	os.WriteFile(filepath.Join(sys, "start.d/10-inside"), []byte("#!/bin/sh\nhostname > /root/started\n"), 0o755)
	n.ok("jstart", "h1") // a failing master_poststart.d hook does not fail the start
	b, _ := os.ReadFile(marker)
	if string(b) != "h1 h1.my.domain\n" {
		t.Fatalf("marker = %q", b)
	}
	if out := n.ok("jexec", "jname=h1", "cat", "/root/started"); out != "h1.my.domain\n" {
		t.Fatalf("start.d result = %q", out)
	}
}

// TestStopTimeout: a jail that ignores SIGTERM is killed after stop_timeout.
func TestStopTimeout(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=st1", "ver=busybox", "ip4_addr=DHCP", "stop_timeout=2",
		"exec_start=trap '' TERM; while :; do sleep 1; done")
	n.ok("jstart", "st1")
	start := time.Now()
	n.ok("jstop", "st1")
	took := time.Since(start)
	if took < 1500*time.Millisecond || took > 8*time.Second {
		t.Fatalf("jstop took %s, want about stop_timeout=2s", took)
	}
	if s := n.status("st1"); s != "Off" {
		t.Fatalf("status = %q", s)
	}
}

func procsNamed(arg string) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if strings.Contains(string(b), arg) {
			out = append(out, pid)
		}
	}
	return out
}

func readCgroup(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	return string(b)
}

func zombie(pid int) bool {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}

// TestSupervisorKilled: a jail whose supervisor died keeps running (its
// init holds the ownership lock) and jstop still stops it cleanly.
func TestSupervisorKilled(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=sv1", "ver=busybox", "ip4_addr=DHCP", "vnet=1")
	n.ok("jstart", "sv1")
	for _, p := range procsNamed("__supervise") {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); strings.Contains(string(b), filepath.Join(n.W, "var/run/oci/sv1")) && !zombie(p) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if s := n.status("sv1"); s != "On" {
		t.Fatalf("status with supervisor gone = %q", s)
	}
	owner := filepath.Join(n.W, "jails-system/sv1/locked")
	if b, err := os.ReadFile(owner); err != nil || strings.Split(string(b), "\n")[0] != "it" {
		t.Fatalf("ownership file = %q, %v", b, err)
	}
	n.ok("jexec", "jname=sv1", "true")
	n.ok("jstop", "sv1")
	if s := n.status("sv1"); s != "Off" {
		t.Fatalf("status after jstop = %q", s)
	}
	if out, _ := exec.Command("runc", "--root", filepath.Join(n.W, "var/run/runc"), "list", "-q").Output(); strings.TrimSpace(string(out)) != "" {
		t.Fatalf("runtime state left: %q", out)
	}
	n.ok("jstart", "sv1")
	n.ok("jexec", "jname=sv1", "true")
}

// A jail's supervisor and init are the helper embedded in cbsd, written
// next to the runtime state, not cbsd itself; a vnet=0 jail sees the
// host's /sys without the cgroup hierarchies mounted below it.
func TestJailHelper(t *testing.T) {
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=h1", "ver=busybox", "baserw=0", "vnet=0", "ip4_addr=0")
	n.ok("jstart", "h1")
	defer n.run("jstop", "h1")
	var sup []int
	for _, p := range procsNamed("__supervise") {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); strings.Contains(string(b), filepath.Join(n.W, "var/run/oci/h1")) {
			sup = append(sup, p)
		}
	}
	if len(sup) != 1 {
		t.Fatalf("%d supervisors for h1", len(sup))
	}
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", sup[0]))
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(exe) != filepath.Join(n.W, "var/run") || !strings.HasPrefix(filepath.Base(exe), "cbsd-helper-") {
		t.Fatalf("supervisor runs %s, want W/var/run/cbsd-helper-*", exe)
	}
	hfi, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	cfi, err := os.Stat(n.bin)
	if err != nil {
		t.Fatal(err)
	}
	if hfi.Size() >= cfi.Size()/2 {
		t.Errorf("helper is %d bytes, cbsd %d: not the small helper", hfi.Size(), cfi.Size())
	}
	if out := n.ok("jexec", "jname=h1", "sh", "-c", "wc -c < /dev/.cbsd/cbsd"); strings.TrimSpace(out) != fmt.Sprint(hfi.Size()) {
		t.Errorf("init in the jail is %s bytes, the helper %d", strings.TrimSpace(out), hfi.Size())
	}
	if out := n.ok("jexec", "jname=h1", "ls", "-A", "/sys/fs/cgroup"); strings.TrimSpace(out) != "" {
		t.Errorf("/sys/fs/cgroup in a vnet=0 jail: %q", out)
	}
	if _, code := n.run("jexec", "jname=h1", "sh", "-c", "echo 1 > /sys/kernel/uevent_seqnum"); code == 0 {
		t.Error("a jail wrote into /sys")
	}
}

// A vnet=0 jail's ip4_addr goes on a host interface while it runs (CBSD's
// ifconfig alias when interface is not 0): on the given one, or with
// interface=auto on the one that routes the address.
func TestNonVnetAliases(t *testing.T) {
	requireRoot(t)
	const dev = "cbsdit-al0"
	exec.Command("ip", "link", "del", dev).Run()
	for _, argv := range [][]string{
		{"ip", "link", "add", dev, "type", "bridge"}, // no dummy driver on every kernel
		{"ip", "addr", "add", "10.254.77.1/24", "dev", dev},
		{"ip", "link", "set", dev, "up"},
	} {
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", dev).Run() })
	addrs := func() string {
		out, _ := exec.Command("ip", "-o", "addr", "show", "dev", dev).Output()
		return string(out)
	}
	n := newNode(t)
	n.busybox()
	n.ok("jcreate", "jname=al1", "ver=busybox", "vnet=0", "ip4_addr=10.254.77.20", "interface=auto")
	n.ok("jcreate", "jname=al2", "ver=busybox", "vnet=0", "ip4_addr=10.254.77.21/24", "interface="+dev)
	n.ok("jcreate", "jname=al3", "ver=busybox", "vnet=0", "ip4_addr=10.254.77.1", "interface="+dev)
	n.ok("jstart", "al1")
	n.ok("jstart", "al2")
	if a := addrs(); !strings.Contains(a, "10.254.77.20/32") || !strings.Contains(a, "10.254.77.21/24") {
		t.Fatalf("addresses of %s while al1 and al2 run:\n%s", dev, a)
	}
	// The jail shares the host's network: it sees its address.
	if out := n.ok("jexec", "jname=al1", "ip", "-o", "addr"); !strings.Contains(out, "10.254.77.20/32") {
		t.Fatalf("ip addr in al1:\n%s", out)
	}
	// The host's own address is refused, and the host keeps it.
	if out := n.fail("jstart", "al3"); !strings.Contains(out, "already an address of this host") {
		t.Fatalf("jstart al3: %s", out)
	}
	if s := n.status("al3"); s != "Off" {
		t.Fatalf("al3 after the refused start: %s", s)
	}
	n.ok("jremove", "al3")
	if a := addrs(); !strings.Contains(a, "10.254.77.1/24") {
		t.Fatalf("the host's address went with al3:\n%s", a)
	}
	n.ok("jstop", "al2")
	if a := addrs(); strings.Contains(a, "10.254.77.21") || !strings.Contains(a, "10.254.77.20/32") {
		t.Fatalf("after jstop al2:\n%s", a)
	}
	// A jail killed with its supervisor: the next start cleans up and adds
	// the address once.
	for _, p := range procsNamed("__supervise") {
		if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); strings.Contains(string(b), filepath.Join(n.W, "var/run/oci/al1")) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
	pid, _ := strconv.Atoi(n.jid("al1"))
	syscall.Kill(pid, syscall.SIGKILL)
	waitFor(t, "al1 to show Off", 5*time.Second, func() bool { return n.status("al1") == "Off" })
	n.ok("jstart", "al1")
	if a := addrs(); strings.Count(a, "10.254.77.20/") != 1 {
		t.Fatalf("after restarting al1:\n%s", a)
	}
	n.ok("jstop", "al1")
	n.ok("jremove", "al1")
	n.ok("jremove", "al2")
	if a := addrs(); strings.Contains(a, "10.254.77.20") || strings.Contains(a, "10.254.77.21") {
		t.Fatalf("addresses left:\n%s", a)
	}
}
