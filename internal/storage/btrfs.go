package storage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// Btrfs keeps each environment's data in its own subvolume.
type Btrfs struct{ Run Runner }

var _ Backend = (*Btrfs)(nil)

// Name implements Backend.
func (b *Btrfs) Name() string { return "btrfs" }

func (b *Btrfs) btrfs(ctx context.Context, args ...string) error {
	_, err := b.Run.Run(ctx, sys.Cmd{Argv: append([]string{"btrfs"}, args...), Timeout: time.Hour})
	return err
}

// Create implements Backend.
func (b *Btrfs) Create(ctx context.Context, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return b.btrfs(ctx, "subvolume", "create", path)
}

// Clone implements Backend: a writable snapshot (O(1), extents shared).
// A source that is a plain directory is copied with reflinks instead.
func (b *Btrfs) Clone(ctx context.Context, src, dst string) error {
	if !IsSubvolume(src) {
		return (&Dir{Run: b.Run}).Clone(ctx, src, dst)
	}
	return b.btrfs(ctx, "subvolume", "snapshot", src, dst)
}

// SnapshotPath is where Snapshot keeps snapshot name of path.
func SnapshotPath(path, name string) string {
	return filepath.Join(filepath.Dir(path), ".snapshots", filepath.Base(path)+"@"+name)
}

// Snapshot implements Backend: a read-only snapshot beside the data.
func (b *Btrfs) Snapshot(ctx context.Context, path, name string) error {
	if err := ValidSnapName(name); err != nil {
		return err
	}
	dst := SnapshotPath(path, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return b.btrfs(ctx, "subvolume", "snapshot", "-r", path, dst)
}

// Destroy implements Backend: the subvolume and its snapshots.
func (b *Btrfs) Destroy(ctx context.Context, path string) error {
	snaps, _ := filepath.Glob(SnapshotPath(path, "*"))
	for _, s := range snaps {
		if err := b.btrfs(ctx, "subvolume", "delete", s); err != nil {
			return err
		}
	}
	if !IsSubvolume(path) {
		return os.RemoveAll(path)
	}
	err := b.btrfs(ctx, "subvolume", "delete", path)
	if err != nil && strings.Contains(err.Error(), "No such file") {
		return nil
	}
	return err
}
