package img

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// HeaderVersion is the hdrver this package writes and reads.
const HeaderVersion = "4"

// Parts in the order an image holds them.
var Parts = []string{"HEADER", "RCCONF", "FSTAB", "PKGINFO", "DESCR", "INFO", "LOCALFSTAB", "SYSDATA", "DATA"}

// binary parts end with a newline that is not part of their content.
func binary(part string) bool { return part == "SYSDATA" || part == "DATA" }

func startLine(part string) string { return "___NCSTART_" + part + "=1\n" }
func stopLine(part string) string  { return "___NCSTOP_" + part + "=1\n" }

// FlatSizeKey is the header key patched once DATA is written.
const FlatSizeKey = "img_flat_size"

// flatSizePlaceholder is the header line CBSD reserves for img_flat_size;
// the value is later written over its start (CBSD's imghelper --param).
var flatSizePlaceholder = FlatSizeKey + "= " + strings.Repeat("#", 91) + "\n"

// Header is an image's HEADER: key="value" lines in order.
type Header struct {
	Keys []string
	Vals map[string]string
}

// Set adds or replaces a key.
func (h *Header) Set(k, v string) {
	if h.Vals == nil {
		h.Vals = map[string]string{}
	}
	if _, ok := h.Vals[k]; !ok {
		h.Keys = append(h.Keys, k)
	}
	h.Vals[k] = v
}

// Get returns a key's value ("" when absent).
func (h *Header) Get(k string) string { return h.Vals[k] }

// ParseHeader reads a HEADER section's content.
func ParseHeader(b []byte) (*Header, error) {
	as, err := env.ParseAssignments(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("image header: %w", err)
	}
	h := &Header{}
	for _, a := range as {
		h.Set(a.Key, a.Value)
	}
	if v := h.Get("hdrver"); v != HeaderVersion {
		return nil, fmt.Errorf("image header version %q: only hdrver=%s is supported: %w", v, HeaderVersion, errdefs.ErrNotSupported)
	}
	return h, nil
}

// Reader walks an image's sections in order, streaming each. It keeps
// one buffer: a section reader scans it for its stop line and leaves what
// follows for the next section.
type Reader struct {
	src  io.Reader
	buf  []byte // buf[off:] is read but not consumed
	off  int
	read int64 // bytes read from src
	eof  bool
	body *sectionReader
}

// NewReader reads an image from r.
func NewReader(r io.Reader) *Reader { return &Reader{src: r, buf: make([]byte, 0, 1<<20)} }

// fill reads more input, first dropping what was consumed.
func (r *Reader) fill() error {
	if r.eof {
		return io.EOF
	}
	if r.off > 0 && (r.off > len(r.buf)/2 || len(r.buf) == cap(r.buf)) {
		n := copy(r.buf, r.buf[r.off:])
		r.buf, r.off = r.buf[:n], 0
	}
	if len(r.buf) == cap(r.buf) {
		r.buf = append(r.buf, make([]byte, len(r.buf))...)[:len(r.buf)]
	}
	n, err := r.src.Read(r.buf[len(r.buf):cap(r.buf)])
	r.buf = r.buf[:len(r.buf)+n]
	r.read += int64(n)
	if err == io.EOF {
		r.eof = true
		if n > 0 {
			return nil
		}
	}
	return err
}

// line reads one line (with its newline) of at most 4 KiB.
func (r *Reader) line() (string, error) {
	for {
		if i := bytes.IndexByte(r.buf[r.off:], '\n'); i >= 0 {
			l := string(r.buf[r.off : r.off+i+1])
			r.off += i + 1
			return l, nil
		}
		if len(r.buf)-r.off > 4096 {
			return "", fmt.Errorf("image: expected a ___NCSTART_ line: %w", errdefs.ErrInvalid)
		}
		if err := r.fill(); err != nil {
			if err == io.EOF && len(r.buf) > r.off {
				l := string(r.buf[r.off:])
				r.off = len(r.buf)
				return l, nil
			}
			return "", err
		}
	}
}

// Next moves to the next section and returns its name and content; the
// previous section's unread content is skipped. io.EOF ends the image.
func (r *Reader) Next() (string, io.Reader, error) {
	if r.body != nil {
		if _, err := io.Copy(io.Discard, r.body); err != nil {
			return "", nil, err
		}
	}
	line, err := r.line()
	for err == nil && strings.TrimSpace(line) == "" {
		line, err = r.line()
	}
	if err == io.EOF {
		return "", nil, io.EOF
	}
	if err != nil {
		return "", nil, fmt.Errorf("image: %w", err)
	}
	part, ok := strings.CutPrefix(strings.TrimSpace(line), "___NCSTART_")
	part, ok2 := strings.CutSuffix(part, "=1")
	if !ok || !ok2 || part == "" {
		return "", nil, fmt.Errorf("image: expected a ___NCSTART_ line, found %.60q: %w", line, errdefs.ErrInvalid)
	}
	r.body = &sectionReader{r: r, stop: []byte(stopLine(part)), delim: []byte("\n" + stopLine(part)), text: !binary(part), lineStart: true}
	return part, r.body, nil
}

// sectionReader yields a section's content: everything up to its stop
// line, which must start a line. Text sections keep the newline that ends
// their last line (and may be empty: the stop line right after the start
// line); binary ones drop the newline written after their data.
type sectionReader struct {
	r         *Reader
	stop      []byte
	delim     []byte // "\n" + stop
	text      bool
	lineStart bool // the next byte starts a line (text: the stop line may come)
	scanned   int  // bytes at buf[off:off+scanned] cannot start a delimiter
	done      bool
}

func (s *sectionReader) Read(p []byte) (int, error) {
	r := s.r
	for !s.done {
		data := r.buf[r.off:]
		if s.lineStart && s.text {
			if bytes.HasPrefix(data, s.stop) {
				r.off += len(s.stop)
				s.done = true
				break
			}
			if len(data) < len(s.stop) && bytes.HasPrefix(s.stop, data) && !r.eof {
				if err := s.fill(); err != nil {
					return 0, err
				}
				continue
			}
		}
		if i := bytes.Index(data[s.scanned:], s.delim); i >= 0 {
			end := s.scanned + i // content ends here (binary) or after this newline (text)
			if s.text {
				end++
			}
			if end > 0 {
				n := copy(p, data[:end])
				r.off += n
				s.scanned = max(0, s.scanned-n)
				s.lineStart = p[n-1] == '\n'
				return n, nil
			}
			if s.text {
				r.off += len(s.stop)
			} else {
				r.off += len(s.delim)
			}
			s.done = true
			break
		}
		s.scanned = max(s.scanned, len(data)-len(s.delim)+1)
		if s.scanned > 0 {
			n := copy(p, data[:s.scanned])
			r.off += n
			s.scanned -= n
			s.lineStart = p[n-1] == '\n'
			return n, nil
		}
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	return 0, io.EOF
}

// WriteTo writes the rest of the section to w straight from the buffer
// (io.Copy uses it: no intermediate copy, large writes).
func (s *sectionReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		r := s.r
		if s.done {
			return total, nil
		}
		data := r.buf[r.off:]
		// Let Read decide the delicate cases (line starts, the stop line in
		// view); hand over the plain middle of the content directly.
		if !(s.lineStart && s.text) && bytes.Index(data[s.scanned:], s.delim) < 0 {
			if safe := len(data) - len(s.delim) + 1; safe > 0 {
				n, err := w.Write(data[:safe])
				r.off += n
				s.scanned = max(0, max(s.scanned, safe)-n)
				total += int64(n)
				if n > 0 {
					s.lineStart = data[n-1] == '\n'
				}
				if err != nil {
					return total, err
				}
				continue
			}
		}
		buf := make([]byte, 32<<10)
		n, err := s.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func (s *sectionReader) fill() error {
	err := s.r.fill()
	if err == io.EOF {
		return fmt.Errorf("image: section ends without %q: %w", strings.TrimSpace(string(s.stop)), errdefs.ErrInvalid)
	}
	return err
}

// tail (called before the section is read) reports where the current
// section's content starts in src and,
// when src is a regular file whose last bytes are this section's stop
// line, how long the content is: then it can be read from the file
// directly. ok is false otherwise.
func (r *Reader) tail() (f *os.File, off, n int64, ok bool) {
	f, isFile := r.src.(*os.File)
	s := r.body
	if !isFile || s == nil || s.text {
		return nil, 0, 0, false
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, 0, 0, false
	}
	off = r.read - int64(len(r.buf)-r.off)
	end := st.Size() - int64(len(s.delim))
	tailb := make([]byte, len(s.delim))
	if end < off {
		return nil, 0, 0, false
	}
	if _, err := f.ReadAt(tailb, end); err != nil || !bytes.Equal(tailb, s.delim) {
		return nil, 0, 0, false
	}
	return f, off, end - off, true
}
