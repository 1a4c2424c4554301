package integration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// treeLines describes a directory tree, one entry per path: mode,
// owner, symlink target or content hash.
func treeLines(t *testing.T, dir string) map[string]string {
	t.Helper()
	lines := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		info, _ := d.Info()
		line := fmt.Sprintf("%v", info.Mode())
		if st, ok := statOwner(info); ok {
			line += " " + st
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case d.Type().IsRegular():
			f, _ := os.Open(p)
			h := sha256.New()
			io.Copy(h, f)
			f.Close()
			line += " " + hex.EncodeToString(h.Sum(nil))
		}
		lines[rel] = line
		return nil
	})
	return lines
}

// treeHash hashes treeLines.
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	var all []string
	for k, v := range treeLines(t, dir) {
		all = append(all, k+" "+v)
	}
	sort.Strings(all)
	h := sha256.Sum256([]byte(strings.Join(all, "\n")))
	return hex.EncodeToString(h[:])
}

// settings returns jget's key: value lines as a map.
func (n *node) settings(name string, vm bool) map[string]string {
	cmd := "jget"
	if vm {
		cmd = "bget"
	}
	out := n.ok(cmd, "jname="+name)
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok {
			m[k] = v
		}
	}
	return m
}

// TestExportImport: a jail with data (random payload, symlink, odd
// modes and owners) exported (xz as CBSD, and zstd) while running and
// imported on a second node under a new name: identical tree, identical
// settings but for the renamed ones; the name is refused when taken and
// a broken image leaves nothing.
func TestExportImport(t *testing.T) {
	n1 := newNamedNode(t, "exp1")
	n1.busybox()
	n1.ok("jcreate", "jname=src1", "ver=busybox", "ip4_addr=DHCP", "astart=0", "exec_start=/bin/sleep 600")
	data := filepath.Join(n1.W, "jails-data/src1-data")
	payload := make([]byte, 8<<20)
	rand.New(rand.NewSource(7)).Read(payload)
	os.WriteFile(filepath.Join(data, "root/payload"), payload, 0o640)
	os.Symlink("payload", filepath.Join(data, "root/link"))
	os.MkdirAll(filepath.Join(data, "home/u1"), 0o700)
	os.Chown(filepath.Join(data, "home/u1"), 1001, 1002)
	os.WriteFile(filepath.Join(n1.W, "jails-system/src1/descr"), []byte("a test jail\n"), 0o644)
	os.WriteFile(filepath.Join(n1.W, "jails-fstab/src1/fstab.local"), []byte(n1.W+"/jails-data/src1-data/root /mnt nullfs ro 0 0\n"), 0o644)
	n1.ok("jstart", "src1") // exported while it runs
	out := n1.ok("jexport", "jname=src1")
	if !strings.Contains(out, "src1 exported to "+filepath.Join(n1.W, "export/src1.img")) {
		t.Fatalf("jexport: %s", out)
	}
	n1.ok("jexport", "jname=src1", "compress=zstd", "imgname=src1-zstd.img")
	n1.ok("jstop", "src1")
	want := treeHash(t, data)
	srcSettings := n1.settings("src1", false)

	n2 := newNamedNode(t, "exp2")
	n2.busybox()
	for _, c := range []struct{ file, name string }{{"src1.img", "dst1"}, {"src1-zstd.img", "dst2"}} {
		out := n2.ok("jimport", "jname="+filepath.Join(n1.W, "export", c.file), "new_jname="+c.name, "new_ip4_addr=DHCP")
		if !strings.Contains(out, c.name+" imported") {
			t.Fatalf("jimport: %s", out)
		}
		if got := treeHash(t, filepath.Join(n2.W, "jails-data", c.name+"-data")); got != want {
			t.Fatalf("%s: tree differs after import:\n%s", c.file, treeDiff(t, data, filepath.Join(n2.W, "jails-data", c.name+"-data")))
		}
		got := n2.settings(c.name, false)
		for k, v := range srcSettings {
			switch k {
			case "jname", "host_hostname", "ip4_addr", "path", "data", "rcconf", "mount_fstab", "state_time":
				continue
			}
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", c.name, k, got[k], v)
			}
		}
		if got["host_hostname"] != c.name+".my.domain" || !strings.HasPrefix(got["ip4_addr"], "10.231.") {
			t.Errorf("%s: host %q ip %q", c.name, got["host_hostname"], got["ip4_addr"])
		}
		if _, err := os.Stat(filepath.Join(n2.W, "jails-system", c.name, "locked")); err == nil {
			t.Errorf("%s: the source's ownership lock came along", c.name)
		}
		if b, _ := os.ReadFile(filepath.Join(n2.W, "jails-system", c.name, "descr")); string(b) != "a test jail\n" {
			t.Errorf("descr %q", b)
		}
		if b, _ := os.ReadFile(filepath.Join(n2.W, "jails-fstab", c.name, "fstab.local")); !strings.HasPrefix(string(b), n2.W+"/jails-data/"+c.name+"-data/root ") {
			t.Errorf("fstab.local %q", b)
		}
	}
	n2.ok("jstart", "dst1")
	if out := n2.ok("jexec", "jname=dst1", "sh", "-c", "wc -c < /root/payload; hostname"); !strings.Contains(out, "8388608") || !strings.Contains(out, "dst1.my.domain") {
		t.Fatalf("in the imported jail: %q", out)
	}
	n2.ok("jstop", "dst1")
	// Taken name, broken image: refused, nothing left.
	if out := n2.fail("jimport", "jname="+filepath.Join(n1.W, "export/src1.img"), "new_jname=dst1"); !strings.Contains(out, "already exists") {
		t.Fatalf("taken name: %s", out)
	}
	img, _ := os.ReadFile(filepath.Join(n1.W, "export/src1.img"))
	broken := filepath.Join(t.TempDir(), "broken.img")
	os.WriteFile(broken, img[:len(img)-4096], 0o644)
	n2.fail("jimport", "jname="+broken, "new_jname=dst3")
	for _, p := range []string{"jails-data/dst3-data", "jails-system/dst3", "jails-fstab/dst3", "jails-rcconf/rc.conf_dst3"} {
		if _, err := os.Stat(filepath.Join(n2.W, p)); err == nil {
			t.Errorf("a failed import left %s", p)
		}
	}
	if out := n2.ok("jls", "header=0", "display=jname"); strings.Contains(out, "dst3") {
		t.Errorf("dst3 registered:\n%s", out)
	}
}

// TestImportCBSDImage: an image written the way CBSD's jexport/imgpart
// write it (shell, tar, xz -6e, echo) imports.
func TestImportCBSDImage(t *testing.T) {
	n := newNode(t)
	n.busybox()
	src := t.TempDir()
	// A CBSD node's layout for jail "cbsd1".
	data := filepath.Join(src, "jails-data/cbsd1-data")
	sys := filepath.Join(src, "jails-system/cbsd1")
	for _, d := range []string{"etc", "root", "tmp", "var", "home", "usr/local"} {
		os.MkdirAll(filepath.Join(data, d), 0o755)
	}
	os.WriteFile(filepath.Join(data, "etc/hostname"), []byte("cbsd1\n"), 0o644)
	os.WriteFile(filepath.Join(data, "root/from-cbsd"), []byte("made by CBSD\n"), 0o600)
	os.MkdirAll(sys, 0o755)
	os.WriteFile(filepath.Join(sys, "descr"), []byte("CBSD jail\n"), 0o644)
	script := `set -e
out=$1; src=$2
cat > $out <<HDR
___NCSTART_HEADER=1
hdrver="4"
jname="cbsd1"
compress="6"
arch="amd64"
ver="busybox"
date="20250101"
emulator="jail"
ip4_addr="10.0.0.99"
host_hostname="cbsd1.example.org"
from_nodename="cbsdnode"
img_flat_size= ###########################################################################################
HDR
echo "vm_dsk_list=\"\"" >> $out
echo "vm_zvol_list=\"\"" >> $out
echo "___NCSTOP_HEADER=1" >> $out
echo "___NCSTART_RCCONF=1" >> $out
cat >> $out <<HDR
# DO NOT EDIT THIS FILE. PLEASE USE INSTEAD:
# cbsd jconfig jname=cbsd1
relative_path="1";
jname="cbsd1";
path="CBSDROOT/jails/cbsd1";
data="CBSDROOT/jails-data/cbsd1-data";
rcconf="CBSDROOT/jails-rcconf/rc.conf_cbsd1";
host_hostname="cbsd1.example.org";
ip4_addr="10.0.0.99";
mount_devfs="1";
allow_mount="1";
devfs_ruleset="4";
mount_fstab="CBSDROOT/jails-fstab/cbsd1/fstab";
arch="amd64";
mkhostsfile="1";
baserw="0";
ver="busybox";
astart="0";
vnet="0";
emulator="jail";
exec_start="/bin/sh /etc/rc";
exec_stop="/bin/sh /etc/rc.shutdown";
HDR
echo "___NCSTOP_RCCONF=1" >> $out
echo "___NCSTART_FSTAB=1" >> $out
echo "CBSDROOT/jails-data/cbsd1-data/root /root nullfs rw 0 0" >> $out
echo "___NCSTOP_FSTAB=1" >> $out
echo "___NCSTART_PKGINFO=1" >> $out
echo "No pinfo" >> $out
echo "___NCSTOP_PKGINFO=1" >> $out
echo "___NCSTART_DESCR=1" >> $out
cat $src/jails-system/cbsd1/descr >> $out
echo "___NCSTOP_DESCR=1" >> $out
echo "___NCSTART_INFO=1" >> $out
echo "No info" >> $out
echo "___NCSTOP_INFO=1" >> $out
echo "___NCSTART_LOCALFSTAB=1" >> $out
echo "___NCSTOP_LOCALFSTAB=1" >> $out
echo "___NCSTART_SYSDATA=1" >> $out
cd $src/jails-system
tar cfz $src/sys.tgz --exclude "cbsd1/dsk[0-9]*.vhd" --numeric-owner cbsd1
cat $src/sys.tgz >> $out
echo >> $out
echo "___NCSTOP_SYSDATA=1" >> $out
echo "___NCSTART_DATA=1" >> $out
cd $src/jails-data
tar cf - --numeric-owner --format gnu cbsd1-data | xz -6e -T0 >> $out
echo >> $out
echo "___NCSTOP_DATA=1" >> $out
`
	imgPath := filepath.Join(t.TempDir(), "cbsd1.img")
	if out, err := exec.Command("bash", "-c", script, "mkimg", imgPath, src).CombinedOutput(); err != nil {
		t.Fatalf("make image: %v %s", err, out)
	}
	out := n.ok("jimport", "jname="+imgPath)
	if !strings.Contains(out, "cbsd1 imported") {
		t.Fatalf("jimport: %s", out)
	}
	if got := treeHash(t, filepath.Join(n.W, "jails-data/cbsd1-data")); got != treeHash(t, data) {
		t.Fatal("data differs")
	}
	s := n.settings("cbsd1", false)
	if s["host_hostname"] != "cbsd1.example.org" || s["ip4_addr"] != "10.0.0.99" || s["path"] != filepath.Join(n.W, "jails/cbsd1") {
		t.Fatalf("settings: %v", s)
	}
	n.ok("jstart", "cbsd1")
	if out := n.ok("jexec", "jname=cbsd1", "cat", "/root/from-cbsd"); out != "made by CBSD\n" {
		t.Fatalf("in the jail: %q", out)
	}
	n.ok("jstop", "cbsd1")
}

// treeDiff lists the entries that differ between two trees (for failures).
func treeDiff(t *testing.T, a, b string) string {
	la, lb := treeLines(t, a), treeLines(t, b)
	var out []string
	for k, v := range la {
		if lb[k] != v {
			out = append(out, fmt.Sprintf("%s: %q vs %q", k, v, lb[k]))
		}
	}
	for k, v := range lb {
		if _, ok := la[k]; !ok {
			out = append(out, fmt.Sprintf("%s: missing vs %q", k, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestExportImportVM: a VM's sparse disk travels in the image and comes
// back identical (and still sparse) on another node.
func TestExportImportVM(t *testing.T) {
	n1 := newNamedNode(t, "vexp1")
	n1.ok("bcreate", "jname=vm1", "imgsize=256m", "vm_ram=256m", "nic_parent=0")
	disk := filepath.Join(n1.W, "jails-data/vm1-data/dsk1.vhd")
	f, err := os.OpenFile(disk, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	rand.New(rand.NewSource(3)).Read(chunk)
	for _, off := range []int64{0, 100 << 20, 255 << 20} {
		f.WriteAt(chunk, off)
	}
	f.Close()
	sum := func(p string) string {
		f, _ := os.Open(p)
		defer f.Close()
		h := sha256.New()
		io.Copy(h, f)
		return hex.EncodeToString(h.Sum(nil))
	}
	want := sum(disk)
	n1.ok("bexport", "jname=vm1", "compress=zstd")
	src := n1.settings("vm1", true)
	n2 := newNamedNode(t, "vexp2")
	n2.ok("bimport", "jname="+filepath.Join(n1.W, "export/vm1.img"), "new_jname=vm2")
	got := filepath.Join(n2.W, "jails-data/vm2-data/dsk1.vhd")
	if sum(got) != want {
		t.Fatal("disk differs after import")
	}
	var st syscall.Stat_t
	if err := syscall.Stat(got, &st); err != nil || st.Size != 256<<20 || st.Blocks*512 > 16<<20 {
		t.Fatalf("imported disk: size %d, allocated %d bytes (want sparse)", st.Size, st.Blocks*512)
	}
	dst := n2.settings("vm2", true)
	for k, v := range src {
		switch k {
		case "jname", "host_hostname", "path", "data", "rcconf", "state_time":
			continue
		}
		if dst[k] != v {
			t.Errorf("vm2 %s = %q, want %q", k, dst[k], v)
		}
	}
	if out := n2.ok("bls", "header=0", "display=jname,vm_ram"); !strings.Contains(out, "vm2") {
		t.Fatalf("bls: %s", out)
	}
}

// TestCreateFrom: jcreate from= an image in a signed repository (fetched,
// verified, imported), from a path, and from a URL.
func TestCreateFrom(t *testing.T) {
	n1 := newNamedNode(t, "from1")
	n1.busybox()
	n1.ok("jcreate", "jname=tmpl", "ver=busybox", "ip4_addr=0")
	data := filepath.Join(n1.W, "jails-data/tmpl-data")
	os.WriteFile(filepath.Join(data, "root/app.conf"), []byte("listen 8080\n"), 0o644)
	want := treeHash(t, data)
	n1.ok("jexport", "jname=tmpl", "compress=zstd")
	image := filepath.Join(n1.W, "export/tmpl.img")
	tree := t.TempDir()
	n1.ok("repo", "action=keygen", "name=k1")
	n1.ok("repo", "action=publish", "dir="+tree, "key="+filepath.Join(n1.W, "etc/keys/k1.key"), "name=webapp", "ver=1.0", image)

	n2 := newNamedNode(t, "from2")
	n2.busybox()
	pub, _ := os.ReadFile(filepath.Join(n1.W, "etc/keys/k1.pub"))
	os.WriteFile(filepath.Join(n2.W, "etc/repo.keys"), pub, 0o644)
	out := n2.ok("jcreate", "jname=app1", "from=webapp", "repo="+tree, "ip4_addr=DHCP")
	if !strings.Contains(out, "sha256 verified") || !strings.Contains(out, "app1 created from webapp") {
		t.Fatalf("jcreate from repository: %s", out)
	}
	if treeHash(t, filepath.Join(n2.W, "jails-data/app1-data")) != want {
		t.Fatal("app1's data differs from the image's")
	}
	if s := n2.settings("app1", false); s["host_hostname"] != "app1.my.domain" || !strings.HasPrefix(s["ip4_addr"], "10.231.") {
		t.Fatalf("app1: %v", s)
	}
	n2.ok("jstart", "app1")
	if out := n2.ok("jexec", "jname=app1", "cat", "/root/app.conf"); out != "listen 8080\n" {
		t.Fatalf("app1: %q", out)
	}
	n2.ok("jstop", "app1")
	// From the image now in W/import (no repository needed), and from a path.
	n2.ok("jcreate", "jname=app2", "from=webapp", "ip4_addr=0")
	n2.ok("jcreate", "jname=app3", "from="+image, "ip4_addr=0", "host_hostname=three.example")
	if s := n2.settings("app3", false); s["host_hostname"] != "three.example" {
		t.Fatalf("app3: %v", s)
	}
	// From a URL.
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(image))))
	defer srv.Close()
	if out := n2.ok("jcreate", "jname=app4", "from="+srv.URL+"/tmpl.img", "ip4_addr=0"); !strings.Contains(out, "app4 created") {
		t.Fatalf("from URL: %s", out)
	}
	if treeHash(t, filepath.Join(n2.W, "jails-data/app4-data")) != want {
		t.Fatal("app4's data differs")
	}
	// An unknown image is an error and leaves nothing.
	if out := n2.fail("jcreate", "jname=app5", "from=nosuch", "ip4_addr=0"); !strings.Contains(out, "nosuch") {
		t.Fatalf("unknown image: %s", out)
	}
	if _, err := os.Stat(filepath.Join(n2.W, "jails-system/app5")); err == nil {
		t.Fatal("app5 left behind")
	}
}
