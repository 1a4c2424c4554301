package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"aead.dev/minisign"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/progress"
)

// Client reads repositories: it verifies indexes against trusted keys
// and downloads artifacts from the first mirror that serves them whole
// and correct.
type Client struct {
	// Mirrors are the repository roots tried in order: http(s) URLs,
	// file:// URLs or absolute directory paths.
	Mirrors []string
	// Keys are the trusted public keys (ReadKeys of W/etc/repo.keys).
	Keys []minisign.PublicKey
	// HTTP does the requests; nil: a client with connect and response
	// header timeouts, no transparent compression, and file:// support.
	HTTP *http.Client
	// Progress shows downloads (progress.Bytes); nil: quiet.
	Progress io.Writer
	// Warn hears about each mirror that failed while another one is left
	// to try; nil: silence.
	Warn func(mirror string, err error)
	// Resumes is how often an interrupted transfer that made progress is
	// resumed from the same mirror before the next mirror is tried
	// (0: 3 times; negative: never).
	Resumes int
	// Idle aborts a transfer that receives nothing for this long (0: 60s).
	Idle time.Duration
}

// MirrorError is the failure of every mirror, each with its reason.
type MirrorError struct {
	What    string // what was being fetched
	Mirrors []string
	Errs    []error // Errs[i] is why Mirrors[i] failed
}

func (e *MirrorError) Error() string {
	if len(e.Mirrors) == 0 {
		return "no repository mirror to fetch " + e.What + " from"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "no mirror served a verified %s:", e.What)
	for i, m := range e.Mirrors {
		fmt.Fprintf(&b, "\n  %s: %s", m, trimCategory(e.Errs[i]))
	}
	return b.String()
}

// Unwrap exposes the mirrors' errors to errors.Is (ErrSignature,
// ErrChecksum, ErrNotInIndex, ...).
func (e *MirrorError) Unwrap() []error { return e.Errs }

// trimCategory drops the errdefs suffixes that %w chains append, for a
// readable list of reasons.
func trimCategory(err error) string {
	s := err.Error()
	for _, c := range []error{errdefs.ErrInvalid, errdefs.ErrNotFound, errdefs.ErrNotSupported} {
		s = strings.TrimSuffix(s, ": "+c.Error())
	}
	return s
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = time.Minute
	t.DisableCompression = true // byte offsets must be those of the object
	t.RegisterProtocol("file", http.NewFileTransport(http.Dir("/")))
	c.HTTP = &http.Client{Transport: t}
	return c.HTTP
}

func (c *Client) warn(m string, err error) {
	if c.Warn != nil {
		c.Warn(m, err)
	}
}

// joinURL joins a mirror root and a repository path.
func joinURL(mirror, p string) string {
	if strings.HasPrefix(mirror, "/") {
		mirror = "file://" + mirror
	}
	return strings.TrimSuffix(mirror, "/") + "/" + p
}

// Index returns the verified index of the first mirror that serves one,
// and that mirror.
func (c *Client) Index(ctx context.Context) (*Index, string, error) {
	e := &MirrorError{What: IndexFile}
	for i, m := range c.Mirrors {
		x, err := c.index(ctx, m)
		if err == nil {
			return x, m, nil
		}
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		if i < len(c.Mirrors)-1 {
			c.warn(m, err)
		}
		e.Mirrors, e.Errs = append(e.Mirrors, m), append(e.Errs, err)
	}
	return nil, "", e
}

// index fetches and verifies one mirror's index.
func (c *Client) index(ctx context.Context, mirror string) (*Index, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	data, err := c.small(ctx, mirror, IndexFile, maxIndexSize)
	if err != nil {
		return nil, err
	}
	sig, err := c.small(ctx, mirror, SigFile, 64<<10)
	if err != nil {
		return nil, err
	}
	return Verify(data, sig, c.Keys)
}

// small GETs a small file (p, below mirror) whole. Errors name p.
func (c *Client) small(ctx context.Context, mirror, p string, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, joinURL(mirror, p), nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", mirror, err, errdefs.ErrInvalid)
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, unwrapURL(err))
	}
	defer resp.Body.Close()
	if err := status(p, resp, http.StatusOK); err != nil {
		return nil, err
	}
	b, err := readLimited(resp.Body, limit, p)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func status(p string, resp *http.Response, want ...int) error {
	for _, w := range want {
		if resp.StatusCode == w {
			return nil
		}
	}
	err := fmt.Errorf("%s: %s", p, resp.Status)
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w: %w", err, errdefs.ErrNotFound)
	}
	return err
}

// Get finds the artifact q names in the verified index of each mirror in
// turn and downloads it to dst (see Download). It returns the artifact
// and the mirror that served it; when every mirror fails, a *MirrorError
// with each one's reason.
func (c *Client) Get(ctx context.Context, q Query, dst string) (Artifact, string, error) {
	e := &MirrorError{What: q.String()}
	for i, m := range c.Mirrors {
		a, err := c.getFrom(ctx, m, q, dst)
		if err == nil {
			return a, m, nil
		}
		if ctx.Err() != nil {
			return Artifact{}, "", ctx.Err()
		}
		if i < len(c.Mirrors)-1 {
			c.warn(m, err)
		}
		e.Mirrors, e.Errs = append(e.Mirrors, m), append(e.Errs, err)
	}
	return Artifact{}, "", e
}

func (c *Client) getFrom(ctx context.Context, m string, q Query, dst string) (Artifact, error) {
	x, err := c.index(ctx, m)
	if err != nil {
		return Artifact{}, err
	}
	a, err := x.Find(q)
	if err != nil {
		return Artifact{}, err
	}
	return a, c.Download(ctx, m, a, dst)
}

// Download fetches the object of a from mirror to dst. The bytes go to
// dst.part, which an earlier interrupted download may have left: it is
// continued with an HTTP Range request (a server that ignores Range
// starts it over). The SHA-256 of the whole file is computed on the way,
// with bounded memory, and only a file of the right size and hash is
// renamed to dst; a wrong one is deleted (ErrChecksum). A transfer cut
// off after making progress is resumed up to Resumes times. Errors name
// the object's path; the caller names the mirror.
func (c *Client) Download(ctx context.Context, mirror string, a Artifact, dst string) error {
	if err := a.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	part := dst + ".part"
	resumes := c.Resumes
	if resumes == 0 {
		resumes = 3
	}
	fresh := false // started over after a bad resumed file
	for try := 0; ; try++ {
		resumed, progressed, err := c.transfer(ctx, mirror, a, part, filepath.Base(dst))
		if err == nil {
			break
		}
		if errors.Is(err, ErrChecksum) {
			os.Remove(part)
			if resumed && !fresh {
				fresh = true // the .part may have come from something else
				continue
			}
			return err
		}
		if ctx.Err() != nil || !progressed || try >= resumes {
			return err
		}
	}
	return os.Rename(part, dst)
}

// transfer brings part up to a's size from mirror and checks its hash.
// resumed: part had bytes to start with; progressed: bytes arrived.
func (c *Client) transfer(ctx context.Context, mirror string, a Artifact, part, name string) (resumed, progressed bool, err error) {
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, false, err
	}
	off := fi.Size()
	if off > a.Size {
		if err := f.Truncate(0); err != nil {
			return false, false, err
		}
		off = 0
	}
	resumed = off > 0
	h := sha256.New()
	meter := progress.Bytes(c.Progress, name, a.Size)
	defer meter.Close()
	if off > 0 { // hash what is there already
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, off)); err != nil {
			return resumed, false, err
		}
		meter.Add(off)
	}
	if off < a.Size {
		n, err := c.fetchRange(ctx, mirror, a.Object(), f, h, meter, off, a.Size)
		if err != nil {
			return resumed, n > 0, err
		}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != a.SHA256 {
		return resumed, true, fmt.Errorf("%s: sha256 %s, want %s: %w", a.Object(), got, a.SHA256, ErrChecksum)
	}
	if err := f.Sync(); err != nil {
		return resumed, true, err
	}
	return resumed, true, f.Close()
}

// fetchRange appends bytes off..size-1 of p (below mirror) to f
// (positioned anywhere), feeding h and meter; a server that answers 200
// to a Range request restarts f from zero. Errors name p.
func (c *Client) fetchRange(ctx context.Context, mirror, p string, f *os.File, h io.Writer, meter progress.Meter, off, size int64) (int64, error) {
	idle := c.Idle
	if idle == 0 {
		idle = time.Minute
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, joinURL(mirror, p), nil)
	if err != nil {
		return 0, fmt.Errorf("%s: %v: %w", mirror, err, errdefs.ErrInvalid)
	}
	req.Header.Set("Accept-Encoding", "identity")
	if off > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(off, 10)+"-")
	}
	timer := time.AfterFunc(idle, func() { cancel(errStalled) })
	defer timer.Stop()
	resp, err := c.http().Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", p, cause(ctx, unwrapURL(err)))
	}
	defer resp.Body.Close()
	switch {
	case off > 0 && resp.StatusCode == http.StatusPartialContent:
		if cr := resp.Header.Get("Content-Range"); !strings.HasPrefix(cr, "bytes "+strconv.FormatInt(off, 10)+"-") {
			return 0, fmt.Errorf("%s: asked for bytes %d-, got Content-Range %q", p, off, cr)
		}
	case resp.StatusCode == http.StatusOK:
		if off > 0 { // Range ignored: start over
			if err := f.Truncate(0); err != nil {
				return 0, err
			}
			if r, ok := h.(interface{ Reset() }); ok {
				r.Reset()
			}
			meter.Add(-off)
			off = 0
		}
	case off > 0 && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		return 0, fmt.Errorf("%s: has no bytes from %d on, but the index says %d: %w", p, off, size, ErrChecksum)
	default:
		return 0, status(p, resp)
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	body := &idleReader{r: resp.Body, timer: timer, idle: idle}
	// One byte more than expected reveals an object that is too long.
	n, err := io.Copy(io.MultiWriter(f, h, meter), io.LimitReader(body, size-off+1))
	switch {
	case err != nil:
		return n, fmt.Errorf("%s: after %d of %d bytes: %w", p, off+n, size, cause(ctx, err))
	case off+n > size:
		return n, fmt.Errorf("%s: longer than %d bytes: %w", p, size, ErrChecksum)
	case off+n < size:
		return n, fmt.Errorf("%s: after %d of %d bytes: %w", p, off+n, size, io.ErrUnexpectedEOF)
	}
	return n, nil
}

var errStalled = errors.New("no data received for too long")

// unwrapURL drops net/http's `Get "<url>": ` wrapper; callers name the URL.
func unwrapURL(err error) error {
	var ue *neturl.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// cause reports a stall rather than a bare "context canceled".
func cause(ctx context.Context, err error) error {
	if c := context.Cause(ctx); c != nil && errors.Is(c, errStalled) {
		return errStalled
	}
	return err
}

// idleReader pushes a stall timer back on every read that brings bytes.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}
