package img

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Runner runs external commands (sys.CmdRunner).
type Runner = sys.CmdRunner

// Spec is everything an image holds.
type Spec struct {
	Header                                     *Header // hdrver and img_flat_size are added
	Rcconf, Fstab, Pkginfo, Descr, Info, Local []byte
	SysDir                                     string // jails-system/<J>: SYSDATA (tar.gz; disks, the ownership lock and sockets left out)
	DataDir                                    string // DATA: a GNU tar of it
	Exclude                                    []string
	Compress                                   Compressor
	// Progress is given the DATA bytes tar writes (before compression);
	// nil = none.
	Progress io.Writer
}

// Write writes the image to dst (through dst.part, renamed when complete)
// and returns its size.
func Write(ctx context.Context, run Runner, dst string, s Spec) (int64, error) {
	part := dst + ".part"
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	ok := false
	defer func() {
		f.Close()
		if !ok {
			os.Remove(part)
		}
	}()
	w := bufio.NewWriter(f)
	// HEADER with the img_flat_size placeholder, patched at the end.
	w.WriteString(startLine("HEADER"))
	fmt.Fprintf(w, "hdrver=%s\n", env.Quote(HeaderVersion))
	for _, k := range s.Header.Keys {
		if k != "hdrver" && k != FlatSizeKey {
			fmt.Fprintf(w, "%s=%s\n", k, env.Quote(s.Header.Vals[k]))
		}
	}
	w.Flush()
	flatAt, _ := f.Seek(0, io.SeekCurrent)
	flatAt += int64(w.Buffered())
	w.WriteString(flatSizePlaceholder)
	w.WriteString(stopLine("HEADER"))
	for _, t := range []struct {
		part string
		body []byte
		none string
	}{{"RCCONF", s.Rcconf, ""}, {"FSTAB", s.Fstab, ""}, {"PKGINFO", s.Pkginfo, "No pinfo\n"},
		{"DESCR", s.Descr, "No descr\n"}, {"INFO", s.Info, "No info\n"}, {"LOCALFSTAB", s.Local, ""}} {
		body := t.body
		if len(body) == 0 {
			body = []byte(t.none)
		}
		if len(body) > 0 && body[len(body)-1] != '\n' {
			body = append(append([]byte{}, body...), '\n')
		}
		w.WriteString(startLine(t.part))
		w.Write(body)
		w.WriteString(stopLine(t.part))
	}
	// SYSDATA: tar.gz of the system directory.
	w.WriteString(startLine("SYSDATA"))
	if err := w.Flush(); err != nil {
		return 0, err
	}
	sysName := filepath.Base(s.SysDir)
	if _, err := run.Run(ctx, sys.Cmd{Argv: tarCreate(filepath.Dir(s.SysDir), sysName, true,
		[]string{sysName + "/dsk[0-9]*.vhd", sysName + "/locked", sysName + "/*.sock"}), Stdout: f, Timeout: time.Hour}); err != nil {
		return 0, fmt.Errorf("SYSDATA: %w", err)
	}
	if _, err := f.WriteString("\n" + stopLine("SYSDATA") + startLine("DATA")); err != nil {
		return 0, err
	}
	flat, err := writeData(ctx, run, f, s)
	if err != nil {
		return 0, fmt.Errorf("DATA: %w", err)
	}
	if _, err := f.WriteString("\n" + stopLine("DATA")); err != nil {
		return 0, err
	}
	// Patch img_flat_size over the start of its placeholder line.
	if _, err := f.WriteAt([]byte(FlatSizeKey+"=\""+strconv.FormatInt(flat, 10)+"\"\n"), flatAt); err != nil {
		return 0, err
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if err := os.Rename(part, dst); err != nil {
		return 0, err
	}
	ok = true
	return size, nil
}

// countingWriter counts what passes through it.
type countingWriter struct {
	w io.Writer
	n int64
	p io.Writer
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	if c.p != nil {
		c.p.Write(b[:n])
	}
	return n, err
}

// writeData appends tar [| compressor] of the data directory to f and
// returns the tar's size.
func writeData(ctx context.Context, run Runner, f *os.File, s Spec) (int64, error) {
	dataName := filepath.Base(s.DataDir)
	var excl []string
	for _, e := range s.Exclude {
		excl = append(excl, dataName+"/"+strings.TrimPrefix(e, "/"))
	}
	tarArgv := tarCreate(filepath.Dir(s.DataDir), dataName, false, excl)
	comp := s.Compress.Argv()
	if comp == nil {
		cw := &countingWriter{w: f, p: s.Progress}
		_, err := run.Run(ctx, sys.Cmd{Argv: tarArgv, Stdout: cw, Timeout: 24 * time.Hour})
		return cw.n, err
	}
	if s.Progress == nil && totalsSupported() {
		return pipeData(ctx, run, f, append(tarArgv[:len(tarArgv):len(tarArgv)], "--totals"), comp)
	}
	var cw *countingWriter
	tarErr, compErr := pipeline(ctx, run, sys.Cmd{Argv: tarArgv, Timeout: 24 * time.Hour},
		sys.Cmd{Argv: comp, Stdout: f, Timeout: 24 * time.Hour},
		func(w io.Writer) io.Writer { cw = &countingWriter{w: w, p: s.Progress}; return cw })
	if err := errors.Join(tarErr, compErr); err != nil {
		return 0, err
	}
	return cw.n, nil
}

// totalsSupported: GNU tar reports the bytes it wrote with --totals.
func totalsSupported() bool { return runtime.GOOS == "linux" }

var totalsRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Total bytes written: ([0-9]+)`) })

// pipeData runs tar straight into the compressor (no copy through this
// process) and takes the tar's size from tar --totals.
func pipeData(ctx context.Context, run Runner, f *os.File, tarArgv, comp []string) (int64, error) {
	var stderr bytes.Buffer
	tarErr, compErr := pipeline(ctx, run, sys.Cmd{Argv: tarArgv, Stderr: &stderr, Timeout: 24 * time.Hour},
		sys.Cmd{Argv: comp, Stdout: f, Timeout: 24 * time.Hour}, nil)
	if err := errors.Join(tarErr, compErr); err != nil {
		return 0, err
	}
	m := totalsRE().FindStringSubmatch(stderr.String())
	if m == nil {
		return 0, fmt.Errorf("tar --totals printed no total: %q", stderr.String())
	}
	return strconv.ParseInt(m[1], 10, 64)
}
