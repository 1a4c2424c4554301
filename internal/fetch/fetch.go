package fetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/progress"
)

// File downloads url to dst. A non-empty sha256 (hex) must match or the
// download is discarded. Progress lines go to progress (nil = none).
func File(ctx context.Context, url, dst, sha string, out io.Writer) error {
	sha = strings.ToLower(strings.TrimSpace(sha))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", url, errdefs.ErrInvalid)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetch %s: %s: %w", url, resp.Status, errdefs.ErrNotFound)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	part := dst + ".part"
	f, err := os.Create(part)
	if err != nil {
		return err
	}
	h := sha256.New()
	pw := progress.Bytes(out, filepath.Base(dst), resp.ContentLength)
	_, err = io.Copy(io.MultiWriter(f, h, pw), resp.Body)
	pw.Close()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(part)
		return fmt.Errorf("fetch %s: %w", url, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if sha != "" && sha != "0" && got != sha {
		os.Remove(part)
		return fmt.Errorf("checksum mismatch for %s: sha256 %s, want %s: %w", url, got, sha, errdefs.ErrInvalid)
	}
	return os.Rename(part, dst)
}
