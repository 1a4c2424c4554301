package storage

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// fakeRun records argv and answers "zfs list" with a fixed table.
type fakeRun struct {
	calls []string
	list  string
	snaps string // answer to "zfs list -t snapshot"
}

func (f *fakeRun) Run(_ context.Context, c sys.Cmd) ([]byte, error) {
	f.calls = append(f.calls, strings.Join(c.Argv, " "))
	if len(c.Argv) > 1 && c.Argv[0] == "zfs" && c.Argv[1] == "list" {
		if strings.Contains(strings.Join(c.Argv, " "), "-t snapshot") {
			return []byte(f.snaps), nil
		}
		return []byte(f.list), nil
	}
	return nil, nil
}

func TestZFSArgv(t *testing.T) {
	f := &fakeRun{list: "zroot\t/zroot\nzroot/jails\t/usr/jails\nzroot/jails/data\t/usr/jails/jails-data\nzroot/jails/data/web1\t/usr/jails/jails-data/web1-data\n"}
	z := &ZFS{Run: f}
	ctx := context.Background()
	if err := z.Create(ctx, "/usr/jails/jails-data/web2-data"); err != nil {
		t.Fatal(err)
	}
	if err := z.Clone(ctx, "/usr/jails/jails-data/web1-data", "/usr/jails/jails-data/web3-data"); err != nil {
		t.Fatal(err)
	}
	if err := z.Snapshot(ctx, "/usr/jails/jails-data/web1-data", "before"); err != nil {
		t.Fatal(err)
	}
	if err := z.Destroy(ctx, "/usr/jails/jails-data/web1-data"); err != nil {
		t.Fatal(err)
	}
	var acts []string
	for _, c := range f.calls {
		if !strings.HasPrefix(c, "zfs list") {
			acts = append(acts, c)
		}
	}
	want := []string{
		"zfs create -o atime=off -o mountpoint=/usr/jails/jails-data/web2-data zroot/jails/data/web2",
		"zfs snapshot zroot/jails/data/web1@cbsd-original-web3",
		"zfs clone -o mountpoint=/usr/jails/jails-data/web3-data zroot/jails/data/web1@cbsd-original-web3 zroot/jails/data/web3",
		"zfs snapshot -o cbsdsnap:jname=web1 -o cbsdsnap:snapname=before zroot/jails/data/web1@before",
		"zfs destroy -r zroot/jails/data/web1",
	}
	if strings.Join(acts, "\n") != strings.Join(want, "\n") {
		t.Fatalf("zfs calls:\n%s\nwant:\n%s", strings.Join(acts, "\n"), strings.Join(want, "\n"))
	}
	if err := z.Create(ctx, "/elsewhere/x-data"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("no parent dataset: %v", err)
	}
}

func TestDirBackend(t *testing.T) {
	d := &Dir{Run: sys.NewRunner(nil)}
	ctx := context.Background()
	root := t.TempDir()
	src, dst := filepath.Join(root, "a-data"), filepath.Join(root, "b-data")
	if err := d.Create(ctx, src); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o600)
	os.Symlink("f", filepath.Join(src, "l"))
	if err := d.Clone(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "f")); err != nil || string(b) != "x" {
		t.Fatalf("clone content %q %v", b, err)
	}
	if l, _ := os.Readlink(filepath.Join(dst, "l")); l != "f" {
		t.Fatalf("symlink %q", l)
	}
	if err := d.Snapshot(ctx, src, "s"); !errors.Is(err, errdefs.ErrNotSupported) {
		t.Fatalf("dir snapshot: %v", err)
	}
	if err := d.Destroy(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Fatal("not destroyed")
	}
	if Select(d.Run, root, true).Name() != "zfs" || Select(d.Run, root, false).Name() != "dir" {
		t.Fatal("Select")
	}
	if got := SnapshotPath("/w/jails-data/a-data", "s1"); got != "/w/jails-data/.snapshots/a-data@s1" {
		t.Fatalf("SnapshotPath = %s", got)
	}
}

// TestZFSSnapshots: only snapshots carrying cbsdsnap properties are listed,
// destroyed or rolled back to.
func TestZFSSnapshots(t *testing.T) {
	f := &fakeRun{list: "zroot/jails/data\t/usr/jails/jails-data\nzroot/jails/data/web1\t/usr/jails/jails-data/web1-data\n",
		snaps: "zroot/jails/data/web1@cbsd-original-web3\t-\t-\t1700000000\t1000\n" +
			"zroot/jails/data/web1@s1\tweb1\ts1\t1700000100\t4096\n" +
			"zroot/jails/data/web1@s2\tweb1\ts2\t1700000200\t8192\n"}
	z := &ZFS{Run: f}
	ctx := context.Background()
	data := "/usr/jails/jails-data/web1-data"
	snaps, err := z.Snapshots(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 2 || snaps[0].Name != "s1" || snaps[1].Refer != 8192 || snaps[1].Created.Unix() != 1700000200 {
		t.Fatalf("snaps = %+v", snaps)
	}
	if err := z.Rollback(ctx, data, "s1"); err != nil {
		t.Fatal(err)
	}
	if err := z.DestroySnapshot(ctx, data, "s2"); err != nil {
		t.Fatal(err)
	}
	if err := z.DestroySnapshot(ctx, data, "cbsd-original-web3"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("foreign snapshot destroyed: %v", err)
	}
	if err := z.Snapshot(ctx, data, "a b"); !errors.Is(err, errdefs.ErrInvalid) {
		t.Fatalf("bad name: %v", err)
	}
	var acts []string
	for _, c := range f.calls {
		if !strings.HasPrefix(c, "zfs list") {
			acts = append(acts, c)
		}
	}
	want := "zfs rollback -r zroot/jails/data/web1@s1\nzfs destroy zroot/jails/data/web1@s2"
	if strings.Join(acts, "\n") != want {
		t.Fatalf("calls:\n%s", strings.Join(acts, "\n"))
	}
}
