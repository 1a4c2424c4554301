package repo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"aead.dev/minisign"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/lock"
)

// lockFile serialises publishers of one tree (hidden from Handler).
const lockFile = ".publish.lock"

// Publisher adds artifacts to a repository tree on a local file system.
// Put and PutFile store objects; Commit then re-signs the index with
// them. Until Commit, readers see the old index, which never names the
// new objects.
type Publisher struct {
	Dir string              // the tree's root
	Key minisign.PrivateKey // signs index.json
	Now func() time.Time    // nil: time.Now
}

func (p *Publisher) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

// PutFile stores the file at src as the object of a (whose Kind, Name,
// Version and Arch the caller sets) and returns a with Size, SHA256 and
// Published filled in.
func (p *Publisher) PutFile(ctx context.Context, src string, a Artifact) (Artifact, error) {
	f, err := os.Open(src)
	if err != nil {
		return Artifact{}, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return Artifact{}, err
	} else if !fi.Mode().IsRegular() {
		return Artifact{}, fmt.Errorf("%s is not a regular file: %w", src, errdefs.ErrInvalid)
	}
	return p.Put(ctx, a, func(w io.Writer) error {
		_, err := io.Copy(w, ctxReader{ctx, f})
		return err
	})
}

// Put stores what write writes as the object of a. The bytes go to a
// temporary file in objects/sha256, hashed on the way, which is renamed
// to its SHA-256 when complete (replacing an object of the same name,
// which holds the same bytes unless it was damaged).
// A SHA256 already set in a is checked against the bytes (ErrChecksum).
func (p *Publisher) Put(ctx context.Context, a Artifact, write func(w io.Writer) error) (Artifact, error) {
	for _, f := range [][2]string{{"sources", a.Kind}, {"name", a.Name}, {"ver", a.Version}, {"arch", a.Arch}} {
		if err := CheckWord(f[0], f[1]); err != nil {
			return Artifact{}, err
		}
	}
	dir := filepath.Join(p.Dir, filepath.FromSlash(ObjectsDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Artifact{}, err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return Artifact{}, err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	h := sha256.New()
	cw := &countWriter{}
	err = write(io.MultiWriter(f, h, cw))
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Artifact{}, fmt.Errorf("publish %s: %w", a, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if a.SHA256 != "" && a.SHA256 != sum {
		return Artifact{}, fmt.Errorf("publish %s: sha256 %s, want %s: %w", a, sum, a.SHA256, ErrChecksum)
	}
	a.SHA256, a.Size, a.Published = sum, cw.n, p.now()
	// Content-addressed: an object already there holds the same bytes (or
	// was damaged, and is repaired), so replacing it is always right.
	if err := os.Rename(tmp, filepath.Join(p.Dir, filepath.FromSlash(a.Object()))); err != nil {
		return Artifact{}, err
	}
	return a, nil
}

// Commit adds the artifacts to the tree's index, signs it and puts the
// new index.json and index.json.minisig in place: both are written to
// temporary files first, then the signature and last the index are
// renamed, so the index a reader sees only names objects that exist. A
// reader racing a commit may briefly see the new signature with the old
// index; it reports a signature mismatch and can simply retry.
// Publishers of one tree take turns (a lock file in the tree).
func (p *Publisher) Commit(ctx context.Context, added ...Artifact) (*Index, error) {
	for _, a := range added {
		if err := a.Validate(); err != nil {
			return nil, err
		}
		if _, err := os.Stat(filepath.Join(p.Dir, filepath.FromSlash(a.Object()))); err != nil {
			return nil, fmt.Errorf("%s: object %s: %w", a, a.Object(), errdefs.ErrNotFound)
		}
	}
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return nil, err
	}
	lk, err := lock.Acquire(ctx, filepath.Join(p.Dir, lockFile))
	if err != nil {
		return nil, err
	}
	defer lk.Release()
	x, err := LoadIndex(p.Dir)
	if err != nil {
		return nil, err
	}
	for _, a := range added {
		x.Add(a)
	}
	now := p.now()
	x.Generated = now
	data, err := x.Marshal()
	if err != nil {
		return nil, err
	}
	sig := Sign(data, p.Key, now)
	idx, sigp := filepath.Join(p.Dir, IndexFile), filepath.Join(p.Dir, SigFile)
	if err := writeTemp(idx+".tmp", data); err != nil {
		return nil, err
	}
	defer os.Remove(idx + ".tmp")
	if err := writeTemp(sigp+".tmp", sig); err != nil {
		return nil, err
	}
	defer os.Remove(sigp + ".tmp")
	if err := os.Rename(sigp+".tmp", sigp); err != nil {
		return nil, err
	}
	if err := os.Rename(idx+".tmp", idx); err != nil {
		return nil, err
	}
	return x, nil
}

// LoadIndex reads the index of a local tree without checking its
// signature (the publisher's own tree); a tree without one has an empty
// index.
func LoadIndex(dir string) (*Index, error) {
	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &Index{Schema: Schema}, nil
	}
	if err != nil {
		return nil, err
	}
	x, err := ParseIndex(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return x, nil
}

func writeTemp(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Handler serves a repository tree over HTTP: static files with Range
// support (resumable downloads), dot files (temporary objects, the
// publish lock) hidden.
func Handler(dir string) http.Handler {
	fs := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, seg := range strings.Split(r.URL.Path, "/") {
			if strings.HasPrefix(seg, ".") || strings.HasSuffix(seg, ".tmp") {
				http.NotFound(w, r)
				return
			}
		}
		fs.ServeHTTP(w, r)
	})
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
