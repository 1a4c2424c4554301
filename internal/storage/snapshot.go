package storage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Snap is one snapshot of a data directory.
type Snap struct {
	Name    string    `json:"snapname"`
	Created time.Time `json:"creation"`
	Refer   int64     `json:"refer"` // bytes it refers to; -1 = unknown
}

// Snapshotter is implemented by backends that keep snapshots: list them
// (oldest first), destroy one, and roll the data back to one (the data must
// not be in use).
type Snapshotter interface {
	Snapshots(ctx context.Context, path string) ([]Snap, error)
	DestroySnapshot(ctx context.Context, path, name string) error
	Rollback(ctx context.Context, path, name string) error
}

var (
	_ Snapshotter = (*ZFS)(nil)
	_ Snapshotter = (*Btrfs)(nil)
)

// ValidSnapName checks a snapshot name (CBSD: one word).
func ValidSnapName(name string) error {
	if name == "" || len(name) > 200 || strings.ContainsAny(name, "/@ \t\n'\"$`\\") || strings.HasPrefix(name, "-") {
		return fmt.Errorf("snapname=%q: give a name without / @ quotes or spaces: %w", name, errdefs.ErrInvalid)
	}
	return nil
}

// envName is the environment a data directory belongs to (<J>-data).
func envName(path string) string { return strings.TrimSuffix(filepath.Base(path), "-data") }

// Snapshot implements Backend: <dataset>@<name> with CBSD's user
// properties cbsdsnap:jname and cbsdsnap:snapname, which mark the
// snapshots jsnapshot lists and destroys.
func (z *ZFS) Snapshot(ctx context.Context, path, name string) error {
	if err := ValidSnapName(name); err != nil {
		return err
	}
	ds, err := z.dataset(ctx, path)
	if err != nil {
		return err
	}
	_, err = z.zfs(ctx, "snapshot", "-o", "cbsdsnap:jname="+envName(path), "-o", "cbsdsnap:snapname="+name, ds+"@"+name)
	return err
}

// Snapshots implements Snapshotter: the dataset's snapshots that carry
// cbsdsnap properties (others, e.g. a jclone's origin, are not listed).
func (z *ZFS) Snapshots(ctx context.Context, path string) ([]Snap, error) {
	ds, err := z.dataset(ctx, path)
	if err != nil {
		return nil, err
	}
	out, err := z.zfs(ctx, "list", "-H", "-p", "-t", "snapshot", "-d", "1", "-s", "creation",
		"-o", "name,cbsdsnap:jname,cbsdsnap:snapname,creation,refer", ds)
	if err != nil {
		return nil, err
	}
	var snaps []Snap
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 || f[1] == "-" || f[2] == "-" || !strings.HasPrefix(f[0], ds+"@") {
			continue
		}
		sec, _ := strconv.ParseInt(f[3], 10, 64)
		refer, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			refer = -1
		}
		snaps = append(snaps, Snap{Name: strings.TrimPrefix(f[0], ds+"@"), Created: time.Unix(sec, 0), Refer: refer})
	}
	return snaps, nil
}

// find returns the dataset of path after checking that name is one of its
// cbsd snapshots.
func (z *ZFS) find(ctx context.Context, path, name string) (string, error) {
	snaps, err := z.Snapshots(ctx, path)
	if err != nil {
		return "", err
	}
	for _, s := range snaps {
		if s.Name == name {
			return z.dataset(ctx, path)
		}
	}
	return "", fmt.Errorf("no snapshot %s of %s: %w", name, envName(path), errdefs.ErrNotFound)
}

// DestroySnapshot implements Snapshotter.
func (z *ZFS) DestroySnapshot(ctx context.Context, path, name string) error {
	ds, err := z.find(ctx, path, name)
	if err != nil {
		return err
	}
	_, err = z.zfs(ctx, "destroy", ds+"@"+name)
	return err
}

// Rollback implements Snapshotter (zfs rollback -r: later snapshots go).
func (z *ZFS) Rollback(ctx context.Context, path, name string) error {
	ds, err := z.find(ctx, path, name)
	if err != nil {
		return err
	}
	_, err = z.zfs(ctx, "rollback", "-r", ds+"@"+name)
	return err
}

// Snapshots implements Snapshotter: the read-only subvolumes beside the
// data (refer unknown without quotas).
func (b *Btrfs) Snapshots(ctx context.Context, path string) ([]Snap, error) {
	paths, err := filepath.Glob(SnapshotPath(path, "*"))
	if err != nil {
		return nil, err
	}
	prefix := filepath.Base(path) + "@"
	var snaps []Snap
	for _, p := range paths {
		snaps = append(snaps, Snap{Name: strings.TrimPrefix(filepath.Base(p), prefix), Created: created(p), Refer: -1})
	}
	sort.SliceStable(snaps, func(i, j int) bool { return snaps[i].Created.Before(snaps[j].Created) })
	return snaps, nil
}

func (b *Btrfs) find(path, name string) (string, error) {
	if err := ValidSnapName(name); err != nil {
		return "", err
	}
	p := SnapshotPath(path, name)
	if !IsSubvolume(p) {
		return "", fmt.Errorf("no snapshot %s of %s: %w", name, envName(path), errdefs.ErrNotFound)
	}
	return p, nil
}

// DestroySnapshot implements Snapshotter.
func (b *Btrfs) DestroySnapshot(ctx context.Context, path, name string) error {
	p, err := b.find(path, name)
	if err != nil {
		return err
	}
	return b.btrfs(ctx, "subvolume", "delete", p)
}

// Rollback implements Snapshotter: a writable snapshot of the snapshot is
// made beside the data first and swapped in by rename, so a failure leaves
// the data as it was.
func (b *Btrfs) Rollback(ctx context.Context, path, name string) error {
	p, err := b.find(path, name)
	if err != nil {
		return err
	}
	tmp, old := path+".rollback", path+".old"
	if err := b.btrfs(ctx, "subvolume", "snapshot", p, tmp); err != nil {
		return err
	}
	if err := os.Rename(path, old); err != nil {
		b.btrfs(context.Background(), "subvolume", "delete", tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Rename(old, path)
		b.btrfs(context.Background(), "subvolume", "delete", tmp)
		return err
	}
	return b.btrfs(ctx, "subvolume", "delete", old)
}
