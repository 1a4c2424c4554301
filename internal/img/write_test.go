package img

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// TestWriteRead: an image written with and without progress (tar piped
// straight into the compressor, size from tar --totals) has the same
// img_flat_size, and both extract to the same files.
func TestWriteRead(t *testing.T) {
	for _, tool := range []string{"tar", "zstd", "xz"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	root := t.TempDir()
	data, sysDir := filepath.Join(root, "jails-data/j1-data"), filepath.Join(root, "jails-system/j1")
	os.MkdirAll(filepath.Join(data, "etc"), 0o755)
	os.MkdirAll(sysDir, 0o755)
	os.WriteFile(filepath.Join(data, "etc/motd"), bytes.Repeat([]byte("hello\n"), 5000), 0o644)
	os.WriteFile(filepath.Join(sysDir, "descr"), []byte("d\n"), 0o644)
	run := sys.NewRunner(nil)
	sizes := map[string]string{}
	for _, c := range []struct {
		name     string
		compress string
		progress io.Writer
	}{{"zstd-quiet", "zstd", nil}, {"zstd-progress", "zstd", io.Discard}, {"xz", "1", nil}, {"none", "0", nil}} {
		comp, err := ParseCompress(c.compress)
		if err != nil {
			t.Fatal(err)
		}
		h := &Header{}
		h.Set("jname", "j1")
		dst := filepath.Join(root, c.name+".img")
		if _, err := Write(context.Background(), run, dst, Spec{Header: h, Rcconf: []byte("jname=\"j1\"\n"),
			SysDir: sysDir, DataDir: data, Compress: comp, Progress: c.progress}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// From the file (DATA straight from the page cache) and from a
		// stream (through the section reader).
		for _, stream := range []bool{false, true} {
			f, _ := os.Open(dst)
			var in io.Reader = f
			if stream {
				in = io.MultiReader(f)
			}
			out := filepath.Join(root, fmt.Sprintf("out-%s-%v", c.name, stream))
			os.MkdirAll(filepath.Join(out, "sys"), 0o755)
			os.MkdirAll(filepath.Join(out, "data"), 0o755)
			im, err := Extract(context.Background(), run, in, func(*Image) (string, string, error) {
				return filepath.Join(out, "sys"), filepath.Join(out, "data"), nil
			})
			f.Close()
			if err != nil {
				t.Fatalf("%s: extract: %v", c.name, err)
			}
			sizes[c.name] = im.Header.Get(FlatSizeKey)
			if b, _ := os.ReadFile(filepath.Join(out, "data/etc/motd")); len(b) != 30000 {
				t.Fatalf("%s (stream %v): motd %d bytes", c.name, stream, len(b))
			}
			if b, _ := os.ReadFile(filepath.Join(out, "sys/descr")); string(b) != "d\n" {
				t.Fatalf("%s: descr %q", c.name, b)
			}
		}
		if _, err := os.Stat(dst + ".part"); err == nil {
			t.Fatalf("%s: .part left", c.name)
		}
	}
	if sizes["zstd-quiet"] == "" || sizes["zstd-quiet"] != sizes["zstd-progress"] || sizes["xz"] != sizes["none"] || sizes["xz"] != sizes["zstd-quiet"] {
		t.Fatalf("img_flat_size differs: %v", sizes)
	}
}
