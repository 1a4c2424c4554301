package storage

import (
	"context"
	"os"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// Dir is the plain-directory backend: clones are full copies.
type Dir struct{ Run Runner }

var _ Backend = (*Dir)(nil)

// Name implements Backend.
func (d *Dir) Name() string { return "dir" }

// Create implements Backend.
func (d *Dir) Create(ctx context.Context, path string) error { return os.MkdirAll(path, 0o755) }

// Clone implements Backend with cp -a (reflinks where the filesystem has them).
func (d *Dir) Clone(ctx context.Context, src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	_, err := d.Run.Run(ctx, sys.Cmd{Argv: []string{"cp", "-a", "--reflink=auto", src + "/.", dst}, Timeout: 12 * time.Hour})
	return err
}

// Snapshot implements Backend: plain directories have none.
func (d *Dir) Snapshot(ctx context.Context, path, name string) error {
	return notSupported(d, "snapshot")
}

// Destroy implements Backend.
func (d *Dir) Destroy(ctx context.Context, path string) error { return os.RemoveAll(path) }
