package integration

import (
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// glusterHost is mapped to 127.0.0.1: gluster's CLI refuses loopback
// addresses as brick hosts.
const glusterHost = "cbsdgl"

// glusterVolume starts glusterd when needed (listening on 127.0.0.1 only)
// and creates a one-brick volume with strict metadata coherence; it is
// stopped and deleted at the end of the test.
func glusterVolume(t *testing.T) string {
	t.Helper()
	requireRoot(t)
	for _, p := range []string{"glusterd", "gluster", "mount.glusterfs"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install glusterfs-server glusterfs-client)", p)
		}
	}
	hosts, _ := os.ReadFile("/etc/hosts")
	if !strings.Contains(string(hosts), " "+glusterHost+"\n") {
		f, err := os.OpenFile("/etc/hosts", os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "127.0.0.1 %s\n", glusterHost)
		f.Close()
	}
	vol := "/etc/glusterfs/glusterd.vol"
	if b, err := os.ReadFile(vol); err == nil && !strings.Contains(string(b), "transport.socket.bind-address") {
		s := strings.Replace(string(b), "    option transport-type socket\n",
			"    option transport-type socket\n    option transport.socket.bind-address 127.0.0.1\n", 1)
		os.WriteFile(vol, []byte(s), 0o644)
	}
	gl := func(args ...string) (string, error) {
		out, err := exec.Command("gluster", append([]string{"--mode=script"}, args...)...).CombinedOutput()
		return string(out), err
	}
	startedHere := false
	if _, err := gl("volume", "list"); err != nil {
		startedHere = true
		os.MkdirAll("/run/gluster", 0o755)
		if out, err := exec.Command("glusterd", "-p", "/run/glusterd.pid").CombinedOutput(); err != nil {
			t.Fatalf("glusterd: %v %s", err, out)
		}
		waitFor(t, "glusterd", 30*time.Second, func() bool { _, err := gl("volume", "list"); return err == nil })
	}
	name := fmt.Sprintf("cbsdit%d", os.Getpid())
	brick := t.TempDir()
	for _, args := range [][]string{
		{"volume", "create", name, glusterHost + ":" + brick + "/b", "force"},
		{"volume", "set", name, "performance.stat-prefetch", "off"},
		{"volume", "start", name},
	} {
		if out, err := gl(args...); err != nil {
			t.Fatalf("gluster %v: %v %s", args, err, out)
		}
	}
	t.Cleanup(func() {
		gl("volume", "stop", name, "force")
		gl("volume", "delete", name)
		if startedHere { // leave the machine as it was: no daemons behind
			pids, _ := filepath.Glob("/run/gluster/*/*.pid")
			more, _ := filepath.Glob("/run/gluster/*.pid")
			for _, f := range append(append(pids, more...), "/run/glusterd.pid") {
				if b, err := os.ReadFile(f); err == nil {
					if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
						syscall.Kill(pid, syscall.SIGTERM)
					}
				}
			}
		}
	})
	return name
}

// glusterMount mounts a volume path and checks that it really appeared
// (a missing subdirectory makes mount return 0 and fail later).
func glusterMount(t *testing.T, src, dst string) {
	t.Helper()
	os.MkdirAll(dst, 0o755)
	if out, err := exec.Command("mount", "-t", "glusterfs", "127.0.0.1:"+src, dst).CombinedOutput(); err != nil {
		t.Fatalf("mount %s: %v %s", src, err, out)
	}
	waitFor(t, "mount of "+src, 10*time.Second, func() bool { return exec.Command("mountpoint", "-q", dst).Run() == nil })
}

func fstype(dir string) string {
	out, _ := exec.Command("findmnt", "-n", "-o", "FSTYPE", "--mountpoint", dir).Output()
	return strings.TrimSpace(string(out))
}

// sharedFS is a shared filesystem the migration scenario runs on.
type sharedFS struct {
	hooks       string                              // example hook directory: glusterfs or cephfs
	conf        string                              // the hooks' settings
	mountShare  func(t *testing.T, sub, dst string) // mounts a subdirectory of the share
	fstype      string                              // of the mounted data directories
	brickCopies int                                 // files holding the data on the local disk (-1: not files)
}

// TestGlusterZeroCopyMigration runs the seed's scenario on a real GlusterFS
// volume.
func TestGlusterZeroCopyMigration(t *testing.T) {
	vol := glusterVolume(t)
	migrationScenario(t, sharedFS{
		hooks: "glusterfs", conf: "GLUSTER_SERVER=127.0.0.1\nGLUSTER_VOLUME=" + vol + "\n",
		mountShare: func(t *testing.T, sub, dst string) { glusterMount(t, "/"+vol+sub, dst) },
		fstype:     "fuse.glusterfs", brickCopies: 1,
	})
}

// migrationScenario is the seed's scenario: two nodes (two workdirs) share
// jails-rcconf; every jail's data, system and fstab directories are its own
// subdirectories of the share, mounted by the shipped hooks. node1 creates
// and runs jails, unregisters them; node2 registers and runs them with the
// data never copied. The ownership lock keeps a jail from running on both
// nodes, and a dead node's jail is taken over at once.
func migrationScenario(t *testing.T, fs sharedFS) {
	n1 := newNamedNode(t, "node1")
	n2 := newNamedNode(t, "node2")
	// The shared jails-rcconf, mounted at node level as an admin would.
	root := t.TempDir()
	fs.mountShare(t, "", root)
	os.MkdirAll(filepath.Join(root, "rcconf"), 0o755)
	exec.Command("umount", root).Run()
	for _, n := range []*node{n1, n2} {
		fs.mountShare(t, "/rcconf", filepath.Join(n.W, "jails-rcconf"))
		os.WriteFile(filepath.Join(n.W, "etc", "env_start_"+fs.hooks+".conf"), []byte(fs.conf), 0o644)
		n.busybox()
	}
	hooks := func(n *node) []string {
		d := filepath.Join(n.W, "share/examples/env_start", fs.hooks)
		return []string{"mnt_start=" + d + "/env_start_" + fs.hooks + ".sh", "mnt_stop=" + d + "/env_stop_" + fs.hooks + ".sh"}
	}

	// node1: create, run, write, stop, unregister.
	sums := map[string]string{}
	for _, j := range []string{"jail1", "jail2"} {
		n1.ok(append([]string{"jcreate", "jname=" + j, "ver=busybox", "baserw=0", "vnet=0", "ip4_addr=0"}, hooks(n1)...)...)
		if ft := fstype(filepath.Join(n1.W, "jails-data", j+"-data")); ft != fs.fstype {
			t.Fatalf("%s data is on %q, want the volume", j, ft)
		}
		n1.ok("jstart", j)
		n1.ok("jexec", "jname="+j, "sh", "-c", "dd if=/dev/urandom of=/root/payload bs=64k count=64 2>/dev/null")
		out := n1.ok("jexec", "jname="+j, "sha256sum", "/root/payload")
		sums[j] = strings.Fields(out)[0]
		n1.ok("jstop", j)
		if ft := fstype(filepath.Join(n1.W, "jails-data", j+"-data")); ft != "" {
			t.Fatalf("%s data still mounted (%s) after jstop: mnt_stop did not run", j, ft)
		}
	}
	out := n1.ok("junregister", "jname=jail*")
	if !strings.Contains(out, "junregister: jail1 unregistered") || !strings.Contains(out, "junregister: jail2 unregistered") {
		t.Fatalf("junregister: %s", out)
	}
	rcCopy := filepath.Join(t.TempDir(), "rc.conf_jail1")
	b, err := os.ReadFile(filepath.Join(n2.W, "jails-rcconf/rc.conf_jail1"))
	if err != nil {
		t.Fatalf("node2 does not see node1's descriptor: %v", err)
	}
	os.WriteFile(rcCopy, b, 0o644)

	// node2: register, start, read back. No copy: node2's data dirs are
	// the volume, and the brick holds the payload once.
	out = n2.ok("jregister", "jname=jail*")
	if !strings.Contains(out, "jregister: jail1 registered") || !strings.Contains(out, "jregister: jail2 registered") {
		t.Fatalf("jregister: %s", out)
	}
	for _, j := range []string{"jail1", "jail2"} {
		n2.ok("jstart", j)
		if ft := fstype(filepath.Join(n2.W, "jails-data", j+"-data")); ft != fs.fstype {
			t.Fatalf("node2 %s data on %q", j, ft)
		}
		got := strings.Fields(n2.ok("jexec", "jname="+j, "sha256sum", "/root/payload"))[0]
		if got != sums[j] {
			t.Fatalf("%s payload differs on node2: %s != %s", j, got, sums[j])
		}
	}
	copies := 0
	out2, _ := exec.Command("sh", "-c", "find / -xdev -name payload -path '*jail1*' 2>/dev/null").Output()
	for _, p := range strings.Fields(string(out2)) {
		if f, err := os.Open(p); err == nil {
			h := sha256.New()
			buf := make([]byte, 1<<20)
			for {
				k, err := f.Read(buf)
				h.Write(buf[:k])
				if err != nil {
					break
				}
			}
			f.Close()
			if fmt.Sprintf("%x", h.Sum(nil)) == sums["jail1"] {
				copies++
			}
		}
	}
	if fs.brickCopies >= 0 && copies != fs.brickCopies {
		t.Fatalf("jail1's payload exists %d times as a local file (want %d)\n%s", copies, fs.brickCopies, out2)
	}

	// jail1 is registered on node1 again (as after a split brain): its
	// start there is refused while node2 runs it, naming node2.
	n1.ok("jregister", "rcfile="+rcCopy)
	out = n1.fail("jstart", "jail1")
	if !strings.Contains(out, "locked by node2") {
		t.Fatalf("jstart on node1 while node2 runs jail1: %s", out)
	}
	if ft := fstype(filepath.Join(n1.W, "jails-data", "jail1-data")); ft != "" {
		t.Fatalf("the refused start left a mount (%s)", ft)
	}
	if s := n1.status("jail1"); s != "Off" {
		t.Fatalf("node1 status = %q", s)
	}

	// node2 dies (its supervisor and jail killed): node1 takes jail1 over
	// at once, without waiting for the lock file to go stale.
	pid, _ := strconv.Atoi(n2.jid("jail1"))
	for _, p := range procsNamed("__supervise") {
		if c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); strings.Contains(string(c), filepath.Join(n2.W, "var/run/oci/jail1")) {
			syscall.Kill(p, syscall.SIGKILL)
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	waitFor(t, "jail1 to die on node2", 10*time.Second, func() bool { return n2.status("jail1") == "Off" })
	start := time.Now()
	out = n1.ok("jstart", "jail1")
	if !strings.Contains(out, "taking over from node node2") {
		t.Fatalf("take-over message missing: %s", out)
	}
	if time.Since(start) > 30*time.Second {
		t.Fatalf("take-over took %s", time.Since(start))
	}
	if got := strings.Fields(n1.ok("jexec", "jname=jail1", "sha256sum", "/root/payload"))[0]; got != sums["jail1"] {
		t.Fatalf("payload after take-over differs")
	}
	n1.ok("jstop", "jail1")

	// A hook that exits 3 aborts jstart with exit 1 and leaves nothing.
	failer := filepath.Join(t.TempDir(), "fail.sh")
	os.WriteFile(failer, []byte("#!/bin/sh\necho no storage >&2\nexit 3\n"), 0o755)
	n1.ok("jset", "jname=jail1", "mnt_start="+failer)
	out, code := n1.run("jstart", "jail1")
	if code != 1 || !strings.Contains(out, "exit code 3") || !strings.Contains(out, "no storage") {
		t.Fatalf("failing hook: exit %d: %s", code, out)
	}
	if out, _ := exec.Command("runc", "--root", filepath.Join(n1.W, "var/run/runc"), "list", "-q").Output(); strings.TrimSpace(string(out)) != "" {
		t.Fatalf("runtime state left: %q", out)
	}
}
