package storage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// TestDirCloneProgress: a clone with Progress set ends at 100% of the
// source's size and copies everything.
func TestDirCloneProgress(t *testing.T) {
	root := t.TempDir()
	src, dst := filepath.Join(root, "a-data"), filepath.Join(root, "b-data")
	os.MkdirAll(filepath.Join(src, "etc"), 0o755)
	os.WriteFile(filepath.Join(src, "big"), make([]byte, 3<<20), 0o644)
	os.WriteFile(filepath.Join(src, "etc", "f"), make([]byte, 1<<20), 0o644)
	var out strings.Builder
	d := &Dir{Run: sys.NewRunner(nil), Progress: &out}
	if err := d.Clone(context.Background(), src, dst); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "copy b-data: 100% (4.0 of 4.0 MiB") {
		t.Fatalf("progress %q", out.String())
	}
	if st, err := os.Stat(filepath.Join(dst, "etc", "f")); err != nil || st.Size() != 1<<20 {
		t.Fatalf("copy: %v %v", st, err)
	}
	if TreeSize(src) != 4<<20 {
		t.Fatalf("treeSize %d", TreeSize(src))
	}
}
