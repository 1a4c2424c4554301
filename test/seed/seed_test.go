//go:build linux

// Package seed runs the seed document's scenarios end to end on guests of
// the QEMU testbed: real kernels, real NFS, one cbsd binary per node.
package seed

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cbsdgo/cbsd/test/testbed"
)

// W is the workdir on both cbsd nodes, as in the seed.
const W = "/usr/jails"

// hooks is where initenv installs the shipped NFSv4 example hooks.
const hooks = W + "/share/examples/env_start/nfsv4"

// nfsPrime loads the kernel nfsd of the server guest and fills the sunrpc
// caches by hand, as rpc.mountd would (lab-linux.md §5.2): /export is the
// NFSv4 root (fsid 0), read-write, no root squash, for the two cbsd nodes.
// It is run again after a restart of the server: stopping the threads
// flushes the caches. %[1]s and %[2]s are the clients' addresses.
const nfsPrime = `set -e
EXP=2147483647
for c in %[1]s %[2]s 127.0.0.1; do
	printf 'nfsd %%s %%s cbsdnodes\n' $c $EXP > /proc/net/rpc/auth.unix.ip/channel
done
printf 'cbsdnodes /export %%s 9216 65534 65534 0\n' $EXP > /proc/net/rpc/nfsd.export/channel
printf 'cbsdnodes 1 \\x00000000 %%s /export\n' $EXP > /proc/net/rpc/nfsd.fh/channel
`

// nfsServer makes node3 the seed's NFS server: /nfs/{data,fstab,rcconf,system}/jail1
// under an export whose root is /export.
const nfsServer = `set -e
modprobe nfsd
mount -t nfsd nfsd /proc/fs/nfsd
mkdir -p /export /var/lib/nfs/v4recovery
mount -t tmpfs -o size=128m export /export
mkdir -p /export/nfs/data/jail1 /export/nfs/fstab/jail1 /export/nfs/rcconf/jail1 /export/nfs/system/jail1 /export/nfs/rcconf
echo 10 > /proc/fs/nfsd/nfsv4leasetime
echo 10 > /proc/fs/nfsd/nfsv4gracetime
echo "-3 +4 +4.1 +4.2" > /proc/fs/nfsd/versions
sh /root/nfs-prime.sh
echo 4 > /proc/fs/nfsd/threads
echo Y > /proc/fs/nfsd/v4_end_grace
cat /proc/net/rpc/nfsd.export/content
`

// crashScript kills jail1's supervisor and init with SIGKILL, as a crash
// of cbsd on the node would; the mounts stay behind. It runs from a file
// so that its own command line does not match.
const crashScript = `jid=$(cbsd jget jname=jail1 mode=quiet jid)
for p in $(pgrep -f __supervise); do
	grep -q "var/run/oci/jail1" /proc/$p/cmdline 2>/dev/null && kill -9 $p
done
[ -n "$jid" ] && [ "$jid" != 0 ] && kill -9 "$jid"
exit 0
`

// TestSeedNFSv4 is the seed's "CBSD with NFSv4" section on three guests:
// node3 serves /nfs over NFSv4 (kernel nfsd), node1 and node2 run cbsd with
// the shipped env_start_nfs.sh/env_stop_nfs.sh as jail1's mount hooks and
// migrate it with junregister/jregister, copying nothing.
func TestSeedNFSv4(t *testing.T) {
	testbed.Require(t)
	for _, p := range []string{"busybox", "runc"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install busybox-static runc)", p)
		}
	}
	begin := time.Now()
	bin := buildCBSD(t)
	t.Logf("step: built %s in %s", bin, time.Since(begin).Round(time.Millisecond))

	start := time.Now()
	bed := testbed.Start(t, testbed.Config{
		Nodes:    3,
		MemoryMB: 512,
		Image: testbed.ImageSpec{
			// busybox only (no mountpoint(1)): lib.sh's df -P fallback is
			// what tells a mounted share here.
			Files: []testbed.File{{Src: bin, Dst: "/usr/local/bin/cbsd"}},
		},
	})
	t.Logf("step: three guests up in %s", time.Since(start).Round(time.Millisecond))
	n1, n2, srv := bed.Node(1), bed.Node(2), bed.Node(3)
	nodes := []*cbsdNode{{Node: n1, t: t}, {Node: n2, t: t}}
	server := srv.Addr().String()

	step(t, "NFS server (kernel nfsd) on node3", func() {
		write(t, srv, "/root/nfs-prime.sh", fmt.Sprintf(nfsPrime, n1.Addr(), n2.Addr()))
		t.Logf("%s", srv.Sh(t, nfsServer))
	})

	for _, n := range nodes {
		step(t, n.Name()+": initenv, env_start_nfs.conf, shared jails-rcconf, mkbase ver=busybox", func() {
			n.ok("initenv", "nodename="+n.Name(), "nodeippool=10.231.1.0/24", "bridge=cbsdbr0")
			// The seed: cp env_start_nfs.conf ~cbsd/etc/ and set the
			// server there; the shipped mount options are used as they are.
			n.sh("cp -a " + hooks + "/env_start_nfs.conf " + W + "/etc/")
			n.sh(fmt.Sprintf(`sed -i -e 's/^NFS_SERVER=.*/NFS_SERVER="%s"/' %s/etc/env_start_nfs.conf`, server, W))
			t.Logf("%s: %s/etc/env_start_nfs.conf:\n%s", n.Name(), W, n.sh("cat "+W+"/etc/env_start_nfs.conf"))
			// jails-rcconf is shared by all jails: mounted at node level,
			// as docs/shared-storage.md recommends.
			n.sh(fmt.Sprintf("mount -t nfs4 -o vers=4,hard,proto=tcp %s:/nfs/rcconf %s/jails-rcconf", server, W))
			n.ok("mkbase", "ver=busybox")
		})
	}

	const payload = "written on node1 through NFSv4"
	step(t, "node1: jcreate jail1 with the NFSv4 hooks, jstart, write, jstop", func() {
		nodes[0].ok("jcreate", "jname=jail1", "ver=busybox", "baserw=0", "vnet=0", "ip4_addr=0",
			"mnt_start="+hooks+"/env_start_nfs.sh", "mnt_stop="+hooks+"/env_stop_nfs.sh")
		nodes[0].ok("jstart", "jail1")
		if m := nodes[0].nfsMounts("jail1"); m != 3 {
			t.Fatalf("node1: %d NFS mounts of jail1 after jstart, want 3 (data, system, fstab)\n%s", m, nodes[0].sh("cat /proc/mounts"))
		}
		nodes[0].ok("jexec", "jname=jail1", "sh", "-c", "echo '"+payload+"' > /root/f")
		if got := srv.Sh(t, "cat /export/nfs/data/jail1/root/f"); strings.TrimSpace(got) != payload {
			t.Fatalf("the server holds %q in data/jail1/root/f", got)
		}
		nodes[0].ok("jstop", "jail1")
		if m := nodes[0].nfsMounts("jail1"); m != 0 {
			t.Fatalf("node1: %d NFS mounts of jail1 after jstop (mnt_stop did not unmount)\n%s", m, nodes[0].sh("cat /proc/mounts"))
		}
	})

	step(t, "node1: junregister jname='jail*'", func() {
		out := nodes[0].ok("junregister", "jname=jail*")
		if !strings.Contains(out, "jail1 unregistered") {
			t.Fatalf("junregister: %s", out)
		}
		// keep the descriptor for registering jail1 on node1 again later
		nodes[0].sh("cp " + W + "/jails-rcconf/rc.conf_jail1 /root/rc.conf_jail1")
	})

	step(t, "node2: jregister jname='jail*', jstart, read the data back", func() {
		out := nodes[1].ok("jregister", "jname=jail*")
		if !strings.Contains(out, "jail1 registered") {
			t.Fatalf("jregister: %s", out)
		}
		nodes[1].ok("jstart", "jail1")
		if got := strings.TrimSpace(nodes[1].ok("jexec", "jname=jail1", "cat", "/root/f")); got != payload {
			t.Fatalf("node2 reads %q, want %q", got, payload)
		}
	})

	step(t, "node1: jstart of jail1 running on node2 is refused by the lock", func() {
		nodes[0].ok("jregister", "rcfile=/root/rc.conf_jail1")
		out := nodes[0].fail("jstart", "jail1")
		if !strings.Contains(out, "locked by node2") {
			t.Fatalf("jstart on node1 while node2 runs jail1: %s", out)
		}
		if m := nodes[0].nfsMounts("jail1"); m != 0 {
			t.Fatalf("node1: the refused start left %d NFS mounts", m)
		}
		if s := nodes[0].status("jail1"); s != "Off" {
			t.Fatalf("node1: jail1 is %q", s)
		}
		t.Logf("node1: %s", strings.TrimSpace(out))
		// jail1 stays registered (Off) on node1: a junregister there would
		// rewrite the fstabs node2's running jail1 uses
	})

	step(t, "NFS server restart while jail1 runs on node2", func() {
		nodes[1].ok("jexec", "jname=jail1", "sh", "-c", "echo before > /root/g")
		srv.Sh(t, "echo 0 > /proc/fs/nfsd/threads")
		// a write while the server is down waits (hard mount) and completes
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		done := make(chan error, 1)
		var res testbed.Result
		go func() {
			var err error
			res, err = n2.Exec(ctx, testbed.Cmd{Argv: []string{"cbsd", "jexec", "jname=jail1", "sh", "-c", "echo during >> /root/g && sync"}, Env: cbsdEnv})
			done <- err
		}()
		time.Sleep(3 * time.Second)
		srv.Sh(t, "sh /root/nfs-prime.sh && echo 4 > /proc/fs/nfsd/threads")
		restarted := time.Now()
		if err := <-done; err != nil || res.Exit != 0 {
			t.Fatalf("write across the restart: exit %d, %v\n%s%s", res.Exit, err, res.Stdout, res.Stderr)
		}
		t.Logf("the write blocked by the restart finished %s after the server came back", time.Since(restarted).Round(time.Millisecond))
		nodes[1].ok("jexec", "jname=jail1", "sh", "-c", "echo after >> /root/g")
		if got := nodes[1].ok("jexec", "jname=jail1", "cat", "/root/g", "/root/f"); got != "before\nduring\nafter\n"+payload+"\n" {
			t.Fatalf("after the restart jail1 reads %q", got)
		}
		if got := srv.Sh(t, "cat /export/nfs/data/jail1/root/g"); got != "before\nduring\nafter\n" {
			t.Fatalf("after the restart the server holds %q", got)
		}
		if s := nodes[1].status("jail1"); s != "On" {
			t.Fatalf("node2: jail1 is %q after the restart", s)
		}
		// the ownership lock was reclaimed in the server's grace period
		out := nodes[0].fail("jstart", "jail1")
		if !strings.Contains(out, "locked by node2") {
			t.Fatalf("jstart on node1 after the server restart: %s", out)
		}
	})

	step(t, "node2: crash of jail1, second jstart does not mount twice", func() {
		write(t, n2, "/root/crash.sh", crashScript)
		nodes[1].sh("sh /root/crash.sh")
		waitFor(t, "jail1 to be Off on node2", 30*time.Second, func() bool { return nodes[1].status("jail1") == "Off" })
		if m := nodes[1].nfsMounts("jail1"); m != 3 {
			t.Fatalf("node2: %d NFS mounts of jail1 after the crash, want the 3 left behind", m)
		}
		out := nodes[1].ok("jstart", "jail1")
		t.Logf("jstart after the crash: %s", strings.TrimSpace(out))
		if m := nodes[1].nfsMounts("jail1"); m != 3 {
			t.Fatalf("node2: %d NFS mounts of jail1 after the second jstart, want 3\n%s", m, nodes[1].sh("cat /proc/mounts"))
		}
		if got := strings.TrimSpace(nodes[1].ok("jexec", "jname=jail1", "cat", "/root/f")); got != payload {
			t.Fatalf("node2 reads %q after the crash", got)
		}
		nodes[1].ok("jstop", "jail1")
		if m := nodes[1].nfsMounts("jail1"); m != 0 {
			t.Fatalf("node2: %d NFS mounts after jstop", m)
		}
	})
	step(t, "node1: jstart jail1; node2: jstart of jail1 running on node1 is refused", func() {
		nodes[0].ok("jstart", "jail1")
		out := nodes[1].fail("jstart", "jail1")
		if !strings.Contains(out, "locked by node1") {
			t.Fatalf("jstart on node2 while node1 runs jail1: %s", out)
		}
		t.Logf("node2: %s", strings.TrimSpace(out))
		if m := nodes[1].nfsMounts("jail1"); m != 0 {
			t.Fatalf("node2: the refused start left %d NFS mounts", m)
		}
		if got := strings.TrimSpace(nodes[0].ok("jexec", "jname=jail1", "cat", "/root/g")); got != "before\nduring\nafter" {
			t.Fatalf("node1 reads %q", got)
		}
		nodes[0].ok("jstop", "jail1")
	})
	t.Logf("all steps passed in %s", time.Since(begin).Round(time.Millisecond))
}

var cbsdEnv = []string{"workdir=" + W, "CBSD_RCCONF=" + W + "/rc.conf", "NOINTER=1"}

// cbsdNode is a guest running cbsd with workdir W.
type cbsdNode struct {
	*testbed.Node
	t *testing.T
}

// run runs cbsd with args and returns its combined output and exit code.
func (n *cbsdNode) run(args ...string) (string, int) {
	n.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := n.Exec(ctx, testbed.Cmd{Argv: append([]string{"cbsd"}, args...), Env: cbsdEnv})
	if err != nil {
		n.t.Fatalf("%s: cbsd %s: %v", n.Name(), strings.Join(args, " "), err)
	}
	out := string(res.Stdout) + string(res.Stderr)
	n.t.Logf("%s: cbsd %s: exit %d in %s", n.Name(), strings.Join(args, " "), res.Exit, time.Since(start).Round(time.Millisecond))
	return out, res.Exit
}

func (n *cbsdNode) ok(args ...string) string {
	n.t.Helper()
	out, code := n.run(args...)
	if code != 0 {
		n.t.Fatalf("%s: cbsd %s: exit %d\n%s\nhooks log:\n%s", n.Name(), strings.Join(args, " "), code, out,
			n.quiet("tail -n 30 "+W+"/var/log/*.hooks.log; echo NFS mounts:; grep nfs /proc/mounts"))
	}
	return out
}

func (n *cbsdNode) fail(args ...string) string {
	n.t.Helper()
	out, code := n.run(args...)
	if code == 0 {
		n.t.Fatalf("%s: cbsd %s: unexpected success\n%s", n.Name(), strings.Join(args, " "), out)
	}
	return out
}

func (n *cbsdNode) sh(script string) string {
	n.t.Helper()
	return n.Sh(n.t, script)
}

// quiet runs script and returns its output, whatever its exit.
func (n *cbsdNode) quiet(script string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, _ := n.Exec(ctx, testbed.Cmd{Argv: []string{"sh", "-c", script}})
	return string(res.Stdout) + string(res.Stderr)
}

func (n *cbsdNode) status(j string) string {
	n.t.Helper()
	return strings.TrimSpace(n.ok("jls", "header=0", "display=status", j))
}

// nfsMounts counts the NFS mounts below W that belong to jail j.
func (n *cbsdNode) nfsMounts(j string) int {
	n.t.Helper()
	out := n.sh(fmt.Sprintf(`awk '$3 ~ /^nfs/ && $2 ~ "^%s/" && $2 ~ "/%s(-data)?$" {n++} END {print n+0}' /proc/mounts`, W, j))
	var c int
	fmt.Sscan(out, &c)
	return c
}

func step(t *testing.T, name string, fn func()) {
	t.Helper()
	t.Logf("step: %s", name)
	start := time.Now()
	fn()
	t.Logf("step ok: %s (%s)", name, time.Since(start).Round(time.Millisecond))
}

func write(t *testing.T, n *testbed.Node, path, data string) {
	t.Helper()
	if err := n.WriteFile(context.Background(), path, []byte(data), 0o755); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// buildCBSD builds the static cbsd binary for the guests.
func buildCBSD(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	bin := filepath.Join(t.TempDir(), "cbsd")
	cmd := exec.Command("bash", "scripts/build.sh", "-o", bin)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, out)
	}
	return bin
}
