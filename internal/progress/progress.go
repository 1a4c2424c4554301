package progress

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) (*os.File, bool) {
	f, ok := w.(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

// Bytes returns a writer that counts the bytes written to it and shows
// how far a transfer of total bytes (-1 = unknown) named name has got: a
// progress bar when w is a terminal, else a line at most twice a second
// ("name: 42% (21.0 of 50.0 MiB, 3.2 MiB/s)"); nothing when w is nil.
// Close prints the final state.
func Bytes(w io.Writer, name string, total int64) Meter {
	if f, ok := isTerminal(w); ok {
		return &barWriter{progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(name),
			progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionShowCount(),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(f) }))}
	}
	return &progressWriter{w: w, total: total, name: name, start: time.Now()}
}

// Meter counts bytes: written through it, or added when the caller
// measures them another way.
type Meter interface {
	io.WriteCloser
	Add(n int64)
}

type barWriter struct{ bar *progressbar.ProgressBar }

func (b *barWriter) Write(p []byte) (int, error) { return b.bar.Write(p) }

func (b *barWriter) Add(n int64) { b.bar.Add64(n) }

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
	p.Add(int64(len(b)))
	return len(b), nil
}

func (p *progressWriter) Add(n int64) {
	p.n += n
	if p.w != nil && time.Since(p.last) > 500*time.Millisecond {
		p.last = time.Now()
		p.print()
	}
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

// Lines returns a writer for a tool's output (debootstrap's, say) that
// shows its progress: on a terminal a spinner with the elapsed time and
// the latest line that keep matches, elsewhere those lines prefixed with
// name; nothing when w is nil. Close ends the display.
func Lines(w io.Writer, name string, keep func(line string) bool) io.WriteCloser {
	l := &lineWriter{w: w, name: name, keep: keep}
	if f, ok := isTerminal(w); ok {
		l.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(name),
			progressbar.OptionSpinnerType(14), progressbar.OptionSetElapsedTime(true), progressbar.OptionSetWidth(20),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(f) }))
	}
	return l
}

type lineWriter struct {
	w    io.Writer
	name string
	keep func(string) bool
	bar  *progressbar.ProgressBar
	buf  bytes.Buffer
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf.Write(p)
	for {
		i := bytes.IndexByte(l.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(l.buf.Next(i + 1)))
		if line == "" || l.w == nil || (l.keep != nil && !l.keep(line)) {
			continue
		}
		if l.bar != nil {
			if len(line) > 50 {
				line = line[:50]
			}
			l.bar.Describe(l.name + ": " + line)
			l.bar.Add(1)
		} else {
			fmt.Fprintf(l.w, "%s: %s\n", l.name, line)
		}
	}
	return len(p), nil
}

func (l *lineWriter) Close() error {
	if l.bar != nil {
		return l.bar.Finish()
	}
	return nil
}
