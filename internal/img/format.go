package img

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
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

// Reader walks an image's sections in order, streaming each.
type Reader struct {
	br   *bufio.Reader
	part string
	body *sectionReader
}

// NewReader reads an image from r.
func NewReader(r io.Reader) *Reader { return &Reader{br: bufio.NewReaderSize(r, 1<<20)} }

// Next moves to the next section and returns its name and content; the
// previous section's unread content is skipped. io.EOF ends the image.
func (r *Reader) Next() (string, io.Reader, error) {
	if r.body != nil {
		if _, err := io.Copy(io.Discard, r.body); err != nil {
			return "", nil, err
		}
	}
	line, err := r.br.ReadString('\n')
	for err == nil && strings.TrimSpace(line) == "" {
		line, err = r.br.ReadString('\n')
	}
	if err == io.EOF && line == "" {
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
	r.part = part
	r.body = &sectionReader{br: r.br, delim: []byte("\n" + stopLine(part)), pending: []byte("\n"), skip: 1, text: !binary(part)}
	return part, r.body, nil
}

// sectionReader yields bytes up to "\n___NCSTOP_<PART>=1\n". The stop line
// must start a line; a virtual newline before the content lets an empty
// section end at once. Text sections keep the newline that ends their last
// line; binary ones drop the one written after their data.
type sectionReader struct {
	br      *bufio.Reader
	delim   []byte
	pending []byte // bytes read but not yet returned (may hold a partial delimiter)
	skip    int    // leading pending bytes already returned or not content
	text    bool
	done    bool
}

func (s *sectionReader) Read(p []byte) (int, error) {
	for {
		if s.done {
			return 0, io.EOF
		}
		if i := bytes.Index(s.pending, s.delim); i >= 0 {
			end := i
			if s.text && i+1 > s.skip {
				end = i + 1 // the newline ending the text's last line
			}
			if end > s.skip {
				n := copy(p, s.pending[s.skip:end])
				s.skip += n
				return n, nil
			}
			s.done, s.pending = true, nil
			return 0, io.EOF
		}
		// Bytes that cannot start a delimiter any more are content.
		if safe := len(s.pending) - len(s.delim) + 1; safe > s.skip {
			n := copy(p, s.pending[s.skip:safe])
			s.skip += n
			return n, nil
		}
		chunk, err := s.peekChunk()
		if err != nil {
			if err == io.EOF {
				return 0, fmt.Errorf("image: section ends without %q: %w", strings.TrimSpace(string(s.delim)), errdefs.ErrInvalid)
			}
			return 0, err
		}
		s.compact()
		s.pending = append(s.pending, chunk...)
	}
}

// compact drops returned bytes that can no longer be part of a delimiter.
func (s *sectionReader) compact() {
	drop := min(s.skip, len(s.pending)-(len(s.delim)-1))
	if drop > 0 {
		s.pending = append(s.pending[:0:0], s.pending[drop:]...)
		s.skip -= drop
	}
}

// peekChunk reads more input, but never past the end of this section's
// delimiter, so the next section's bytes stay in the bufio.Reader.
func (s *sectionReader) peekChunk() ([]byte, error) {
	buf, err := s.br.Peek(s.br.Buffered())
	if len(buf) == 0 {
		if _, err = s.br.Peek(1); err != nil {
			return nil, err
		}
		buf, _ = s.br.Peek(s.br.Buffered())
	}
	// Look for the delimiter across the boundary of what we hold.
	probe := append(append([]byte{}, s.pending[max(0, len(s.pending)-len(s.delim)):]...), buf...)
	if i := bytes.Index(probe, s.delim); i >= 0 {
		take := i + len(s.delim) - (len(probe) - len(buf))
		chunk := make([]byte, take)
		io.ReadFull(s.br, chunk)
		return chunk, nil
	}
	chunk := make([]byte, len(buf))
	io.ReadFull(s.br, chunk)
	return chunk, nil
}
