package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// cephCluster brings up a throw-away CephFS (testdata/cephfs.sh: 1 mon,
// 1 mgr, 1 OSD on a sparse file, 1 mds on 127.0.0.1) and tears it down at
// the end of the test. It returns the cluster's ceph.conf.
func cephCluster(t *testing.T) string {
	t.Helper()
	requireRoot(t)
	for _, p := range []string{"ceph-mon", "ceph-osd", "ceph-mds", "ceph-mgr", "ceph-fuse", "uuidgen"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Skipf("%s is not installed (apt-get install ceph ceph-fuse ceph-mds uuid-runtime)", p)
		}
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "testdata", "cephfs.sh")
	dir := t.TempDir()
	c := filepath.Join(dir, "ceph")
	run := func(op string) ([]byte, error) {
		cmd := exec.Command("bash", script, op)
		cmd.Env = append(os.Environ(), "C="+c)
		return cmd.CombinedOutput()
	}
	start := time.Now()
	out, err := run("up")
	t.Cleanup(func() {
		if out, err := run("down"); err != nil {
			t.Logf("ceph down: %v\n%s", err, out)
		}
	})
	if err != nil {
		t.Fatalf("ceph up: %v\n%s", err, out)
	}
	t.Logf("CephFS up in %s", time.Since(start).Round(100*time.Millisecond))
	// The admin mount made by the script gives the hooks their root.
	os.MkdirAll(filepath.Join(c, "mnt", "cbsd"), 0o755)
	exec.Command("umount", filepath.Join(c, "mnt")).Run()
	return filepath.Join(c, "ceph.conf")
}

// cephMount mounts a CephFS path with ceph-fuse.
func cephMount(t *testing.T, conf, path, dst string) {
	t.Helper()
	os.MkdirAll(dst, 0o755)
	if out, err := exec.Command("ceph-fuse", "-c", conf, "--id", "admin", "-r", path, dst, "-o", "nonempty").CombinedOutput(); err != nil {
		t.Fatalf("ceph-fuse %s: %v %s", path, err, out)
	}
	waitFor(t, "mount of "+path, 10*time.Second, func() bool { return exec.Command("mountpoint", "-q", dst).Run() == nil })
}

// TestCephZeroCopyMigration runs the seed's scenario on a real CephFS.
func TestCephZeroCopyMigration(t *testing.T) {
	conf := cephCluster(t)
	migrationScenario(t, sharedFS{
		hooks:      "cephfs",
		conf:       "CEPH_CONF=" + conf + "\nCEPH_ID=admin\nCEPH_ROOT=/cbsd\n",
		mountShare: func(t *testing.T, sub, dst string) { cephMount(t, conf, "/cbsd"+sub, dst) },
		fstype:     "fuse.ceph-fuse", brickCopies: -1,
	})
}
