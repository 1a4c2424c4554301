package img

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Image is what an image's text sections hold.
type Image struct {
	Header                                     *Header
	Rcconf, Fstab, Pkginfo, Descr, Info, Local []byte
}

// maxText bounds a text section (they are small files).
const maxText = 16 << 20

// Extract reads an image from r. The text sections are returned; when
// SYSDATA begins, prepare (given the text sections) names the existing
// directories SYSDATA and DATA are unpacked into (the archives' top
// directory, the source's name, is dropped); an empty DATA directory
// skips DATA (the image is read no further).
func Extract(ctx context.Context, run Runner, r io.Reader, prepare func(*Image) (sysDir, dataDir string, err error)) (*Image, error) {
	ir := NewReader(r)
	im := &Image{}
	var sysDir, dataDir string
	prepared := false
	seen := map[string]bool{}
	for {
		part, body, err := ir.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return im, err
		}
		seen[part] = true
		switch part {
		case "SYSDATA", "DATA":
			if im.Header == nil {
				return im, fmt.Errorf("image: %s before HEADER: %w", part, errdefs.ErrInvalid)
			}
			if !prepared {
				if sysDir, dataDir, err = prepare(im); err != nil {
					return im, err
				}
				prepared = true
			}
			dir := sysDir
			if part == "DATA" {
				if dataDir == "" {
					return im, nil // the caller has the data already
				}
				if f, off, n, ok := ir.tail(); ok {
					// The image's last section, in a file: the decompressor
					// reads it from the page cache, not through this process.
					if err := unpackRange(ctx, run, f, off, n, dataDir); err != nil {
						return im, fmt.Errorf("image DATA: %w", err)
					}
					return im, nil
				}
				dir = dataDir
			}
			if err := unpack(ctx, run, body, dir); err != nil {
				return im, fmt.Errorf("image %s: %w", part, err)
			}
		default:
			b, err := io.ReadAll(io.LimitReader(body, maxText+1))
			if err != nil {
				return im, err
			}
			if len(b) > maxText {
				return im, fmt.Errorf("image: section %s is larger than %d bytes: %w", part, maxText, errdefs.ErrInvalid)
			}
			switch part {
			case "HEADER":
				if im.Header, err = ParseHeader(b); err != nil {
					return im, err
				}
			case "RCCONF":
				im.Rcconf = b
			case "FSTAB":
				im.Fstab = b
			case "PKGINFO":
				im.Pkginfo = b
			case "DESCR":
				im.Descr = b
			case "INFO":
				im.Info = b
			case "LOCALFSTAB":
				im.Local = b
			}
		}
	}
	for _, p := range []string{"HEADER", "RCCONF", "SYSDATA", "DATA"} {
		if !seen[p] {
			return im, fmt.Errorf("image: no %s section: %w", p, errdefs.ErrInvalid)
		}
	}
	return im, nil
}

// ReadText reads an image's text sections only, stopping at SYSDATA.
func ReadText(r io.Reader) (*Image, error) {
	stop := errors.New("stop")
	im, err := Extract(context.Background(), nil, r, func(*Image) (string, string, error) { return "", "", stop })
	if errors.Is(err, stop) {
		err = nil
	}
	if err == nil && im.Header == nil {
		err = fmt.Errorf("image: no HEADER: %w", errdefs.ErrInvalid)
	}
	return im, err
}

// unpack feeds an archive section (tar, or tar compressed with xz, zstd
// or gzip: told by its first bytes) to tar extracting into dir.
func unpack(ctx context.Context, run Runner, body io.Reader, dir string) error {
	br := bufio.NewReaderSize(body, 64<<10)
	head, _ := br.Peek(8)
	if len(head) == 0 {
		return nil // an empty section (nothing was archived)
	}
	err := unpackStream(ctx, run, br, decompressor(head), dir)
	// tar may stop before the end of the stream (trailing zero blocks):
	// drain what is left so the next section can be read.
	io.Copy(io.Discard, br)
	return err
}

// unpackStream runs [dec |] tar -x with in as the input.
func unpackStream(ctx context.Context, run Runner, in io.Reader, dec []string, dir string) error {
	if dec == nil {
		_, err := run.Run(ctx, sys.Cmd{Argv: tarExtract(dir), Stdin: in, Timeout: 24 * time.Hour})
		return err
	}
	decErr, tarErr := pipeline(ctx, run, sys.Cmd{Argv: dec, Stdin: in, Timeout: 24 * time.Hour},
		sys.Cmd{Argv: tarExtract(dir), Timeout: 24 * time.Hour}, nil)
	if tarErr == nil && decErr != nil && strings.Contains(decErr.Error(), "broken pipe") {
		decErr = nil // tar had all it needed and closed its input first
	}
	return errors.Join(tarErr, decErr)
}

// unpackRange unpacks the archive at off..off+n of f into dir.
func unpackRange(ctx context.Context, run Runner, f *os.File, off, n int64, dir string) error {
	head := make([]byte, 8)
	f.ReadAt(head, off)
	pr, pw, err := pipe()
	if err != nil {
		return err
	}
	// The kernel moves the section from the page cache into the
	// decompressor's pipe (zstd(1) decodes faster than a Go decoder).
	copied := make(chan error, 1)
	go func() {
		copied <- copyRange(pw, f, off, n)
		pw.Close()
	}()
	err = unpackStream(ctx, run, pr, decompressor(head), dir)
	pr.Close()
	if cerr := <-copied; err == nil && cerr != nil && !errors.Is(cerr, syscall.EPIPE) {
		err = cerr
	}
	return err
}
