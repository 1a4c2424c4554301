package integration

import (
	"github.com/cbsdgo/cbsd/internal/storage"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBtrfsClone: on btrfs each jail's data is a subvolume and jclone is a
// snapshot: a 500 MB jail clones in well under a second with its extents
// shared; on plain directories the same jclone copies.
func TestBtrfsClone(t *testing.T) {
	requireRoot(t)
	for _, p := range []string{"mkfs.btrfs", "btrfs", "losetup"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install btrfs-progs)", p)
		}
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "btrfs.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 3<<30); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("losetup", "-f", "--show", img).Output()
	if err != nil {
		t.Skipf("no loop device here: %v", err)
	}
	loop := strings.TrimSpace(string(out))
	t.Cleanup(func() { exec.Command("losetup", "-d", loop).Run() })
	if out, err := exec.Command("mkfs.btrfs", "-q", "-f", loop).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.btrfs: %v %s", err, out)
	}
	mnt := filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o755)
	if out, err := exec.Command("mount", loop, mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v %s", err, out)
	}
	t.Cleanup(func() {
		if exec.Command("umount", mnt).Run() != nil {
			exec.Command("umount", "-l", mnt).Run()
		}
	})
	n := newNodeAt(t, "bt", filepath.Join(mnt, "w"))
	n.busybox()
	n.ok("jcreate", "jname=big1", "ver=busybox", "ip4_addr=0")
	data := filepath.Join(n.W, "jails-data/big1-data")
	if out, _ := exec.Command("btrfs", "subvolume", "show", data).CombinedOutput(); !strings.Contains(string(out), "big1-data") {
		t.Fatalf("big1's data is not a subvolume:\n%s", out)
	}
	if out, err := exec.Command("dd", "if=/dev/urandom", "of="+filepath.Join(data, "root/blob"), "bs=1M", "count=500").CombinedOutput(); err != nil {
		t.Fatalf("dd: %v %s", err, out)
	}
	exec.Command("sync").Run()
	start := time.Now()
	out2 := n.ok("jclone", "old=big1", "new=big2", "ip4_addr=0")
	took := time.Since(start)
	if !strings.Contains(out2, "(btrfs)") {
		t.Fatalf("jclone did not use btrfs: %s", out2)
	}
	if took > time.Second {
		t.Fatalf("jclone of 500 MB took %s, want under 1s", took)
	}
	t.Logf("jclone of a 500 MB jail on btrfs: %s", took)
	// Shared extents: the clone's exclusive space is (nearly) nothing.
	out, err = exec.Command("btrfs", "filesystem", "du", "-s", "--raw", filepath.Join(n.W, "jails-data/big2-data")).Output()
	if err != nil {
		t.Fatalf("btrfs filesystem du: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	total, _ := strconv.ParseInt(f[0], 10, 64)
	excl, _ := strconv.ParseInt(f[1], 10, 64)
	if total < 500<<20 || excl > 10<<20 {
		t.Fatalf("clone: total %d exclusive %d bytes, want >= 500 MB total and shared extents\n%s", total, excl, out)
	}
	// The clone runs and sees the same data; its changes stay its own.
	n.ok("jstart", "big2")
	n.ok("jexec", "jname=big2", "sh", "-c", "echo mine > /root/only-in-clone")
	if _, err := os.Stat(filepath.Join(data, "root/only-in-clone")); err == nil {
		t.Fatal("a write in the clone shows in the source")
	}
	n.ok("jstop", "big2")
	n.ok("jsnapshot", "jname=big1", "mode=create", "snapname=s1")
	if out := n.ok("jsnapshot", "jname=big1", "mode=list"); !strings.Contains(out, "s1") {
		t.Fatalf("jsnapshot list: %s", out)
	}
	// Rollback: a file written after s1 is gone, the data before it is back.
	marker := filepath.Join(data, "root/after-s1")
	os.WriteFile(marker, []byte("x"), 0o644)
	n.ok("jstart", "big1")
	if out := n.fail("jsnapshot", "jname=big1", "mode=rollback", "snapname=s1"); !strings.Contains(out, "stop it") {
		t.Fatalf("rollback of a running jail: %s", out)
	}
	n.ok("jstop", "big1")
	n.ok("jsnapshot", "jname=big1", "mode=create", "snapname=s2")
	n.ok("jsnapshot", "jname=big1", "mode=rollback", "snapname=s1")
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("rollback kept a file written after the snapshot")
	}
	if !storage.IsSubvolume(data) {
		t.Fatal("after rollback the data is not a subvolume")
	}
	n.ok("jstart", "big1")
	n.ok("jstop", "big1")
	n.ok("jsnapshot", "jname=big1", "mode=destroy", "snapname=s2")
	if out := n.ok("jsnapshot", "jname=big1", "mode=list", "header=0"); strings.Contains(out, "s2") || !strings.Contains(out, "s1") {
		t.Fatalf("after destroy s2: %s", out)
	}
	n.ok("jsnapshot", "jname=big1", "mode=destroyall")
	if out := n.ok("jsnapshot", "jname=big1", "mode=list", "header=0"); strings.TrimSpace(out) != "" {
		t.Fatalf("after destroyall: %q", out)
	}
	// jcreate from= an image: the first jail unpacks it into a gold copy,
	// the second is a clone of that copy (shared extents, no unpacking).
	n.ok("jexport", "jname=big1", "compress=zstd")
	n.ok("jcreate", "jname=img1", "from="+filepath.Join(n.W, "export/big1.img"), "ip4_addr=0")
	start = time.Now()
	n.ok("jcreate", "jname=img2", "from="+filepath.Join(n.W, "export/big1.img"), "ip4_addr=0")
	t.Logf("second jcreate from= the same 500 MB image on btrfs: %s", time.Since(start))
	out, err = exec.Command("btrfs", "filesystem", "du", "-s", "--raw", filepath.Join(n.W, "jails-data/img2-data")).Output()
	if err != nil {
		t.Fatalf("btrfs filesystem du: %v", err)
	}
	lines = strings.Split(strings.TrimSpace(string(out)), "\n")
	f = strings.Fields(lines[len(lines)-1])
	if excl, _ := strconv.ParseInt(f[1], 10, 64); excl > 10<<20 {
		t.Fatalf("img2 is not a clone: %d exclusive bytes\n%s", excl, out)
	}
	if golds, _ := filepath.Glob(filepath.Join(n.W, "jails-data/.gold-*-data")); len(golds) != 1 {
		t.Fatalf("gold copies: %v", golds)
	}
	n.ok("jremove", "img1")
	n.ok("jremove", "img2")
	n.ok("jremove", "big1")
	n.ok("jremove", "big2")
	if out, _ := exec.Command("btrfs", "subvolume", "list", mnt).Output(); strings.Contains(string(out), "big") {
		t.Fatalf("subvolumes left:\n%s", out)
	}

	// Plain directories (ext4 here): the same jclone copies.
	d := newNode(t)
	d.busybox()
	d.ok("jcreate", "jname=small1", "ver=busybox", "ip4_addr=0")
	os.WriteFile(filepath.Join(d.W, "jails-data/small1-data/root/f"), []byte("x"), 0o644)
	if out := d.ok("jclone", "old=small1", "new=small2", "ip4_addr=0"); !strings.Contains(out, "(dir)") {
		t.Fatalf("dir jclone: %s", out)
	}
	if b, err := os.ReadFile(filepath.Join(d.W, "jails-data/small2-data/root/f")); err != nil || string(b) != "x" {
		t.Fatalf("dir clone content %q %v", b, err)
	}
}
