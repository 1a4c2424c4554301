package repo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"aead.dev/minisign"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Files and directories of a repository tree.
const (
	IndexFile  = "index.json"         // the catalogue
	SigFile    = "index.json.minisig" // its minisign signature
	ObjectsDir = "objects/sha256"     // artifacts, named by their SHA-256
)

// Schema is the index format version this package writes and reads.
const Schema = 1

// Artifact kinds: the sources= word of cbsd repo.
const (
	KindBase    = "base"    // a base tree: tar+zstd (or another tar format) of a root
	KindKernel  = "kernel"  // a kernel set
	KindImage   = "img"     // an exported jail or VM image (cbsd jimport)
	KindISO     = "iso"     // installation media
	KindProfile = "profile" // a VM profile (vm-<os>-<profile>.conf)
)

// Kinds lists the artifact kinds in display order.
var Kinds = []string{KindBase, KindKernel, KindImage, KindISO, KindProfile}

// Archive formats of base and kernel artifacts (Artifact.Format).
const (
	FormatTarZstd = "tar.zst"
	FormatTarXz   = "tar.xz"
	FormatTarGz   = "tar.gz"
	FormatTar     = "tar"
)

// Error categories of this package, wrapped with the mirror or file they
// concern.
var (
	// ErrSignature: an index whose signature is missing, malformed or made
	// by a key the node does not trust.
	ErrSignature = fmt.Errorf("signature not trusted: %w", errdefs.ErrInvalid)
	// ErrChecksum: bytes whose size or SHA-256 differ from the index.
	ErrChecksum = fmt.Errorf("checksum mismatch: %w", errdefs.ErrInvalid)
	// ErrNotInIndex: a verified index that does not list what was asked for.
	ErrNotInIndex = fmt.Errorf("not in the repository index: %w", errdefs.ErrNotFound)
)

// maxIndexSize bounds what is read of an index (about 50,000 artifacts).
const maxIndexSize = 32 << 20

// Artifact is one published file.
type Artifact struct {
	Kind      string    `json:"kind"`             // KindBase, KindImage, ...
	Name      string    `json:"name"`             // e.g. vmagent, debian-12.iso, base
	Version   string    `json:"version"`          // e.g. 14.3, busybox, 20250601
	Arch      string    `json:"arch"`             // amd64, arm64, ...
	Size      int64     `json:"size"`             // bytes
	SHA256    string    `json:"sha256"`           // lower-case hex; names the object
	Format    string    `json:"format,omitempty"` // archive format of bases and kernels
	Published time.Time `json:"published"`        // when it was added
}

// Object is the artifact's path below the repository root.
func (a Artifact) Object() string { return ObjectsDir + "/" + a.SHA256 }

// String names the artifact for messages: img/vmagent 1.0 amd64.
func (a Artifact) String() string { return a.Kind + "/" + a.Name + " " + a.Version + " " + a.Arch }

// same reports whether a and b are the same slot of the catalogue (one
// kind, name, version and arch), which a new publish replaces.
func (a Artifact) same(b Artifact) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Version == b.Version && a.Arch == b.Arch
}

// Validate checks the fields a client relies on: safe words (they become
// file names), a 64-digit hex SHA-256 and a size.
func (a Artifact) Validate() error {
	for _, f := range [][2]string{{"kind", a.Kind}, {"name", a.Name}, {"version", a.Version}, {"arch", a.Arch}} {
		if err := CheckWord(f[0], f[1]); err != nil {
			return err
		}
	}
	if !isHex64(a.SHA256) {
		return fmt.Errorf("%s: sha256 %q is not 64 lower-case hex digits: %w", a, a.SHA256, errdefs.ErrInvalid)
	}
	if a.Size < 0 {
		return fmt.Errorf("%s: size %d: %w", a, a.Size, errdefs.ErrInvalid)
	}
	return nil
}

// CheckWord checks a name, version, arch or kind: non-empty, no slash,
// whitespace or control character, not "." or "..", at most 200 bytes.
func CheckWord(what, v string) error {
	bad := v == "" || v == "." || v == ".." || len(v) > 200 || strings.HasPrefix(v, "-") ||
		strings.ContainsFunc(v, func(r rune) bool { return r == '/' || r == '\\' || r <= ' ' || r == 0x7f })
	if bad {
		return fmt.Errorf("%s=%q: want a word without slashes or spaces: %w", what, v, errdefs.ErrInvalid)
	}
	return nil
}

func isHex64(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// Index is the catalogue of a repository (index.json).
type Index struct {
	Schema    int        `json:"schema"`    // Schema
	Generated time.Time  `json:"generated"` // when it was last signed
	Artifacts []Artifact `json:"artifacts"` // sorted by kind, name, arch, version
}

// Query selects artifacts; empty fields match anything.
type Query struct {
	Kind, Name, Version, Arch string
}

func (q Query) String() string {
	s := q.Kind + "/" + q.Name
	if q.Name == "" {
		s = q.Kind
	}
	if q.Version != "" {
		s += " ver=" + q.Version
	}
	if q.Arch != "" {
		s += " arch=" + q.Arch
	}
	return s
}

func (q Query) match(a Artifact) bool {
	return (q.Kind == "" || q.Kind == a.Kind) && (q.Name == "" || q.Name == a.Name) &&
		(q.Version == "" || q.Version == a.Version) && (q.Arch == "" || q.Arch == a.Arch)
}

// Select returns the artifacts q matches, in index order.
func (x *Index) Select(q Query) []Artifact {
	var out []Artifact
	for _, a := range x.Artifacts {
		if q.match(a) {
			out = append(out, a)
		}
	}
	return out
}

// Find returns the artifact q names; without a version, the highest
// version (compared as numbers where both have digits: 14.10 > 14.9).
func (x *Index) Find(q Query) (Artifact, error) {
	var best Artifact
	found := false
	for _, a := range x.Artifacts {
		if q.match(a) && (!found || !VersionLess(a.Version, best.Version)) {
			best, found = a, true
		}
	}
	if !found {
		return Artifact{}, fmt.Errorf("%s: %w", q, ErrNotInIndex)
	}
	return best, nil
}

// Add puts a into the index, replacing an artifact of the same kind,
// name, version and arch.
func (x *Index) Add(a Artifact) {
	for i := range x.Artifacts {
		if x.Artifacts[i].same(a) {
			x.Artifacts[i] = a
			return
		}
	}
	x.Artifacts = append(x.Artifacts, a)
}

// Marshal renders the index as index.json: artifacts sorted, indented.
func (x *Index) Marshal() ([]byte, error) {
	x.Schema = Schema
	if x.Artifacts == nil {
		x.Artifacts = []Artifact{}
	}
	sort.SliceStable(x.Artifacts, func(i, j int) bool {
		a, b := x.Artifacts[i], x.Artifacts[j]
		switch {
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		case a.Name != b.Name:
			return a.Name < b.Name
		case a.Arch != b.Arch:
			return a.Arch < b.Arch
		}
		return VersionLess(a.Version, b.Version)
	})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ParseIndex decodes and validates index.json. It does not check the
// signature: use Verify for anything read from a mirror.
func ParseIndex(data []byte) (*Index, error) {
	var x Index
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", IndexFile, err, errdefs.ErrInvalid)
	}
	if x.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %d (this cbsd reads %d): %w", IndexFile, x.Schema, Schema, errdefs.ErrNotSupported)
	}
	for _, a := range x.Artifacts {
		if err := a.Validate(); err != nil {
			return nil, fmt.Errorf("%s: %w", IndexFile, err)
		}
	}
	return &x, nil
}

// Sign signs data (index.json) with sk: a prehashed (BLAKE2b) minisign
// signature, as minisign -S makes, that `minisign -Vm index.json -p key.pub`
// also verifies. The trusted comment records the time and the file name.
func Sign(data []byte, sk minisign.PrivateKey, now time.Time) []byte {
	r := minisign.NewReader(bytes.NewReader(data))
	io.Copy(io.Discard, r) // a bytes.Reader does not fail
	trusted := "timestamp:" + strconv.FormatInt(now.Unix(), 10) + "\tfile:" + IndexFile
	return r.SignWithComments(sk, trusted, "signature from cbsd repo key "+KeyID(sk.ID()))
}

// Verify checks that sig is a signature of data by one of keys and, only
// then, parses data as an index. Failures wrap ErrSignature.
func Verify(data, sig []byte, keys []minisign.PublicKey) (*Index, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("no trusted public keys: %w", ErrSignature)
	}
	var s minisign.Signature
	if err := s.UnmarshalText(sig); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", SigFile, err, ErrSignature)
	}
	for _, k := range keys {
		if k.ID() == s.KeyID {
			if !minisign.Verify(k, data, sig) {
				return nil, fmt.Errorf("%s does not match %s (key %s): %w", SigFile, IndexFile, KeyID(s.KeyID), ErrSignature)
			}
			return ParseIndex(data)
		}
	}
	return nil, fmt.Errorf("%s: made by key %s, which is not among the trusted keys: %w", SigFile, KeyID(s.KeyID), ErrSignature)
}

// VersionLess orders versions naturally: runs of digits compare as
// numbers (14.9 < 14.10), other runs as strings.
func VersionLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		ra, rb := run(a, da), run(b, db)
		if da && db {
			na, nb := strings.TrimLeft(ra, "0"), strings.TrimLeft(rb, "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
		} else if ra != rb {
			return ra < rb
		}
		a, b = a[len(ra):], b[len(rb):]
	}
	return len(a) < len(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func run(s string, digits bool) string {
	i := 0
	for i < len(s) && isDigit(s[i]) == digits {
		i++
	}
	return s[:i]
}

// readLimited reads at most limit bytes of r; more is an error.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes: %w", what, limit, errdefs.ErrInvalid)
	}
	return b, nil
}
