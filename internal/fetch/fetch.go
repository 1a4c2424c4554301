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
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// File downloads url to dst. A non-empty sha256 (hex) must match or the
// download is discarded. Progress lines go to progress (nil = none).
func File(ctx context.Context, url, dst, sha string, progress io.Writer) error {
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
	pw := Progress(progress, filepath.Base(dst), resp.ContentLength)
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

// Progress returns a writer that counts the bytes written to it and shows
// how far a transfer of total bytes (-1 = unknown) named name has got: a
// progress bar when w is a terminal, else a line at most twice a second
// ("name: 42% (21.0 of 50.0 MiB, 3.2 MiB/s)"); nothing when w is nil.
// Close prints the final state.
func Progress(w io.Writer, name string, total int64) io.WriteCloser {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return &barWriter{progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowCount(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(f) }))}
	}
	return &progressWriter{w: w, total: total, name: name, start: time.Now()}
}

type barWriter struct{ bar *progressbar.ProgressBar }

func (b *barWriter) Write(p []byte) (int, error) { return b.bar.Write(p) }

func (b *barWriter) Close() error { return b.bar.Finish() }

// progressWriter prints progress lines.
type progressWriter struct {
	w     io.Writer
	total int64
	n     int64
	name  string
	start time.Time
	last  time.Time
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.w != nil && time.Since(p.last) > 500*time.Millisecond {
		p.last = time.Now()
		p.print()
	}
	return len(b), nil
}

func (p *progressWriter) print() {
	mib := func(n int64) float64 { return float64(n) / (1 << 20) }
	rate := mib(p.n) / time.Since(p.start).Seconds()
	if p.total > 0 {
		fmt.Fprintf(p.w, "%s: %d%% (%.1f of %.1f MiB, %.1f MiB/s)\n", p.name, p.n*100/p.total, mib(p.n), mib(p.total), rate)
	} else {
		fmt.Fprintf(p.w, "%s: %.1f MiB (%.1f MiB/s)\n", p.name, mib(p.n), rate)
	}
}

func (p *progressWriter) Close() error {
	if p.w != nil {
		p.print()
	}
	return nil
}
