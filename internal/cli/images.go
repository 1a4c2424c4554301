package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// imageInfo is the sidecar W/import/<name>.img.json that repo action=get
// writes beside a downloaded image: where it came from and what it is.
type imageInfo struct {
	Name       string    `json:"name"`
	Version    string    `json:"version"`
	Arch       string    `json:"arch"`
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	Source     string    `json:"source"` // the repository mirror
	Downloaded time.Time `json:"downloaded"`
}

// imagePath is W/import/<name>.img.
func imagePath(c *Ctx, name string) string { return c.L.Path("import", name+".img") }

func writeImageInfo(img string, info imageInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return workdir.WriteFileAtomic(img+".json", append(b, '\n'), 0o644)
}

// readImageInfo reads an image's sidecar; ok is false when there is none
// or it describes another file (a different size).
func readImageInfo(img string, size int64) (imageInfo, bool) {
	var info imageInfo
	b, err := os.ReadFile(img + ".json")
	if err != nil || json.Unmarshal(b, &info) != nil || info.Size != size {
		return imageInfo{}, false
	}
	return info, true
}

func imagesCmd() *Command {
	return &Command{
		Name: "images", Desc: "List images in W/import (downloaded by cbsd repo action=get sources=img)",
		Opt: []string{"mode", "header"},
		Usage: `  cbsd images                 # NAME SIZE VER ARCH SHA256 SOURCE
  cbsd images header=0
  cbsd images --json          # [{"name": ..., "path": ..., "size": ..., "sha256": ...}]
Every W/import/<name>.img is listed; version, arch, SHA-256 and source are
known for images fetched from a repository (recorded at download time in
W/import/<name>.img.json), "-" otherwise.`,
		Run: func(ctx context.Context, c *Ctx, a *Args) error {
			if m := a.Value("mode", "list"); m != "list" {
				return fmt.Errorf("images mode=%s: only mode=list is available: %w", m, errdefs.ErrNotSupported)
			}
			if err := needWorkdir(c); err != nil {
				return err
			}
			ents, err := os.ReadDir(c.L.Path("import"))
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			type image struct { // fields in key order (docs/json.md)
				Arch       string `json:"arch"`
				Downloaded string `json:"downloaded"`
				Name       string `json:"name"`
				Path       string `json:"path"`
				SHA256     string `json:"sha256"`
				Size       int64  `json:"size"`
				Source     string `json:"source"`
				Version    string `json:"version"`
			}
			out := []image{}
			for _, e := range ents {
				name, ok := strings.CutSuffix(e.Name(), ".img")
				if !ok || !e.Type().IsRegular() {
					continue
				}
				fi, err := e.Info()
				if err != nil {
					continue // removed meanwhile
				}
				img := image{Name: name, Path: filepath.Join(c.L.Path("import"), e.Name()), Size: fi.Size()}
				if info, ok := readImageInfo(img.Path, fi.Size()); ok {
					img.Version, img.Arch, img.SHA256, img.Source = info.Version, info.Arch, info.SHA256, info.Source
					img.Downloaded = info.Downloaded.Format(time.RFC3339)
				}
				out = append(out, img)
			}
			sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
			if a.Flags["json"] {
				return writeJSON(c.Stdout, out)
			}
			dash := func(s string) string {
				if s == "" {
					return "-"
				}
				return s
			}
			var rows [][]string
			for _, img := range out {
				sum := img.SHA256
				if len(sum) > 16 {
					sum = sum[:16]
				}
				rows = append(rows, []string{img.Name, byteSize(img.Size), dash(img.Version), dash(img.Arch), dash(sum), dash(img.Source)})
			}
			table(c.Stdout, []string{"NAME", "SIZE", "VER", "ARCH", "SHA256", "SOURCE"}, rows, a.Value("header", "1") != "0")
			return nil
		},
	}
}

// byteSize renders a size for tables: 512B, 1.5K, 12.0M, 2.1G.
func byteSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%dB", n)
	}
	f, unit := float64(n)/1024, "K"
	for _, u := range []string{"M", "G", "T"} {
		if f < 1024 {
			break
		}
		f, unit = f/1024, u
	}
	return fmt.Sprintf("%.1f%s", f, unit)
}
