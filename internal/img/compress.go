package img

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Compressor is how DATA is compressed: CBSD's compress=0..9 (0 = none,
// else xz at that level with -e, as CBSD runs it), or zstd[:level].
type Compressor struct {
	Name  string // "", "xz" or "zstd"
	Level int
}

// ParseCompress reads compress=.
func ParseCompress(v string) (Compressor, error) {
	v = strings.TrimSpace(strings.ToLower(v))
	switch {
	case v == "" || v == "6":
		return Compressor{Name: "xz", Level: 6}, nil
	case v == "0":
		return Compressor{}, nil
	case v == "zstd":
		return Compressor{Name: "zstd", Level: 3}, nil
	case strings.HasPrefix(v, "zstd:"):
		n, err := strconv.Atoi(v[5:])
		if err != nil || n < 1 || n > 19 {
			return Compressor{}, fmt.Errorf("compress=%s: zstd levels are 1 to 19: %w", v, errdefs.ErrInvalid)
		}
		return Compressor{Name: "zstd", Level: n}, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 9 {
		return Compressor{}, fmt.Errorf("compress=%s: want 0 (none), 1-9 (xz, as CBSD) or zstd[:level]: %w", v, errdefs.ErrInvalid)
	}
	return Compressor{Name: "xz", Level: n}, nil
}

// String is the header's compress value.
func (c Compressor) String() string {
	switch c.Name {
	case "":
		return "0"
	case "zstd":
		return "zstd:" + strconv.Itoa(c.Level)
	}
	return strconv.Itoa(c.Level)
}

// Argv compresses stdin to stdout with all CPUs.
func (c Compressor) Argv() []string {
	switch c.Name {
	case "xz":
		return []string{"xz", fmt.Sprintf("-%de", c.Level), "-T0", "-c"}
	case "zstd":
		return []string{"zstd", fmt.Sprintf("-%d", c.Level), "-T0", "-q", "-c"}
	}
	return nil
}

// decompressor picks the decompressing command for data starting with
// head (nil = plain tar).
func decompressor(head []byte) []string {
	switch {
	case bytes.HasPrefix(head, []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}):
		return []string{"xz", "-d", "-c", "-T0"}
	case bytes.HasPrefix(head, []byte{0x28, 0xB5, 0x2F, 0xFD}):
		return []string{"zstd", "-d", "-c", "-q"}
	case bytes.HasPrefix(head, []byte{0x1F, 0x8B}):
		return []string{"gzip", "-d", "-c"}
	}
	return nil
}
