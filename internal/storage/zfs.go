package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// ZFS keeps each environment's data in its own dataset, a child of the
// dataset mounted on the data directory's parent (W/jails-data), with
// CBSD's dataset options (atime=off).
type ZFS struct{ Run Runner }

var _ Backend = (*ZFS)(nil)

// Name implements Backend.
func (z *ZFS) Name() string { return "zfs" }

func (z *ZFS) zfs(ctx context.Context, args ...string) (string, error) {
	out, err := z.Run.Run(ctx, sys.Cmd{Argv: append([]string{"zfs"}, args...), Timeout: time.Hour})
	return strings.TrimSpace(string(out)), err
}

// dataset returns the dataset mounted exactly at dir.
func (z *ZFS) dataset(ctx context.Context, dir string) (string, error) {
	out, err := z.zfs(ctx, "list", "-H", "-o", "name,mountpoint", "-t", "filesystem")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(line, "\t")
		if len(f) == 2 && filepath.Clean(f[1]) == filepath.Clean(dir) {
			return f[0], nil
		}
	}
	return "", fmt.Errorf("no ZFS dataset is mounted on %s: %w", dir, errdefs.ErrNotFound)
}

// child is the dataset for data directory path: <parent dataset>/<name>.
func (z *ZFS) child(ctx context.Context, path string) (string, error) {
	parent, err := z.dataset(ctx, filepath.Dir(path))
	if err != nil {
		return "", err
	}
	return parent + "/" + strings.TrimSuffix(filepath.Base(path), "-data"), nil
}

// Create implements Backend.
func (z *ZFS) Create(ctx context.Context, path string) error {
	ds, err := z.child(ctx, path)
	if err != nil {
		return err
	}
	_, err = z.zfs(ctx, "create", "-o", "atime=off", "-o", "mountpoint="+path, ds)
	return err
}

// Clone implements Backend: snapshot <src>@cbsd-original-<dst name>, then a
// clone of it mounted on dst (CBSD's jclone naming).
func (z *ZFS) Clone(ctx context.Context, src, dst string) error {
	sds, err := z.dataset(ctx, src)
	if err != nil {
		return err
	}
	dds, err := z.child(ctx, dst)
	if err != nil {
		return err
	}
	snap := sds + "@cbsd-original-" + strings.TrimSuffix(filepath.Base(dst), "-data")
	if _, err := z.zfs(ctx, "snapshot", snap); err != nil {
		return err
	}
	_, err = z.zfs(ctx, "clone", "-o", "mountpoint="+dst, snap, dds)
	return err
}

// Destroy implements Backend (with the dataset's snapshots).
func (z *ZFS) Destroy(ctx context.Context, path string) error {
	ds, err := z.dataset(ctx, path)
	if err != nil {
		return err
	}
	_, err = z.zfs(ctx, "destroy", "-r", ds)
	return err
}
