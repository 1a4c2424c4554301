package storage

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cbsdgo/cbsd/internal/progress"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Dir is the plain-directory backend: clones are full copies.
type Dir struct {
	Run Runner
	// Progress, when set, shows how far a clone's copy has got.
	Progress io.Writer
}

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
	done := d.watchCopy(src, dst)
	_, err := d.Run.Run(ctx, sys.Cmd{Argv: []string{"cp", "-a", "--reflink=auto", src + "/.", dst}, Timeout: 12 * time.Hour})
	done()
	return err
}

// watchCopy shows a copy's progress until the returned func is called:
// the size of src against the space the destination filesystem has lost
// since (cheap to poll; a reflink copy that takes no space simply ends).
func (d *Dir) watchCopy(src, dst string) (done func()) {
	if d.Progress == nil {
		return func() {}
	}
	total := TreeSize(src)
	free0, ok := freeBytes(dst)
	if total <= 0 || !ok {
		return func() {}
	}
	m := progress.Bytes(d.Progress, "copy "+filepath.Base(dst), total)
	stop, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		var shown int64
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				m.Add(total - shown)
				m.Close()
				return
			case <-t.C:
				if free, ok := freeBytes(dst); ok && free0-free > shown {
					n := min(free0-free, total)
					m.Add(n - shown)
					shown = n
				}
			}
		}
	}()
	return func() { close(stop); <-finished }
}

// TreeSize is the size of the regular files below dir.
func TreeSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			if i, err := e.Info(); err == nil {
				n += i.Size()
			}
		}
		return nil
	})
	return n
}

// Snapshot implements Backend: plain directories have none.
func (d *Dir) Snapshot(ctx context.Context, path, name string) error {
	return notSupported(d, "snapshot")
}

// Destroy implements Backend.
func (d *Dir) Destroy(ctx context.Context, path string) error { return os.RemoveAll(path) }
