package img

import (
	"bytes"
	"io"
	"math/rand"
	"strings"
	"testing"
	"testing/iotest"
)

// build writes sections the way CBSD does (echo lines, binary parts
// followed by a newline before their stop line).
func build(parts [][2]string) []byte {
	var b bytes.Buffer
	for _, p := range parts {
		b.WriteString(startLine(p[0]))
		b.WriteString(p[1])
		if binary(p[0]) {
			b.WriteString("\n")
		}
		b.WriteString(stopLine(p[0]))
	}
	return b.Bytes()
}

func readAll(t *testing.T, r io.Reader) [][2]string {
	t.Helper()
	return readSections(t, r, false)
}

// readSections reads every section with io.ReadAll, or with io.Copy (which
// takes the section reader's WriteTo).
func readSections(t *testing.T, r io.Reader, copyTo bool) [][2]string {
	t.Helper()
	ir := NewReader(r)
	var out [][2]string
	for {
		name, body, err := ir.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		if copyTo {
			var buf bytes.Buffer
			_, err = io.Copy(&buf, body)
			b = buf.Bytes()
		} else {
			b, err = io.ReadAll(body)
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, [2]string{name, string(b)})
	}
}

func TestSections(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	blob := make([]byte, 512<<10)
	rnd.Read(blob)
	// Binary content holding look-alike markers that do not start a line,
	// a partial delimiter at its end, and newlines.
	tricky := string(blob[:1000]) + "x___NCSTOP_DATA=1\n" + "\n___NCSTOP_DAT" + string(blob[1000:]) + "\n\n___NCSTOP_DATA="
	parts := [][2]string{
		{"HEADER", "hdrver=\"4\"\njname=\"a\"\n"},
		{"RCCONF", "jname=\"a\"\n"},
		{"FSTAB", ""},
		{"PKGINFO", "No pinfo\n"},
		{"DESCR", "line one\n\nline three\n"},
		{"INFO", "No info\n"},
		{"LOCALFSTAB", ""},
		{"SYSDATA", string(blob[:777])},
		{"DATA", tricky},
	}
	img := build(parts)
	for name, r := range map[string]io.Reader{
		"whole":         bytes.NewReader(img),
		"bytewise":      iotest.OneByteReader(bytes.NewReader(img)),
		"halves":        iotest.HalfReader(bytes.NewReader(img)),
		"whole+copy":    bytes.NewReader(img),
		"bytewise+copy": iotest.OneByteReader(bytes.NewReader(img)),
		"halves+copy":   iotest.HalfReader(bytes.NewReader(img)),
	} {
		got := readSections(t, r, strings.HasSuffix(name, "+copy"))
		if len(got) != len(parts) {
			t.Fatalf("%s: %d sections", name, len(got))
		}
		for i := range parts {
			if got[i] != parts[i] {
				t.Errorf("%s: section %s differs (len %d vs %d)", name, parts[i][0], len(got[i][1]), len(parts[i][1]))
			}
		}
	}
	// Skipping a section unread still finds the next.
	ir := NewReader(bytes.NewReader(img))
	for i := 0; i < 8; i++ {
		ir.Next()
	}
	name, body, err := ir.Next()
	b, _ := io.ReadAll(body)
	if err != nil || name != "DATA" || string(b) != tricky {
		t.Fatalf("skip: %s %v", name, err)
	}
}

func TestTruncated(t *testing.T) {
	img := build([][2]string{{"HEADER", "hdrver=\"4\"\n"}, {"DATA", "abc"}})
	ir := NewReader(bytes.NewReader(img[:len(img)-5]))
	ir.Next()
	_, body, err := ir.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(body); err == nil || !strings.Contains(err.Error(), "ends without") {
		t.Fatalf("err = %v", err)
	}
	if _, _, err := NewReader(strings.NewReader("garbage\n")).Next(); err == nil {
		t.Fatal("garbage accepted")
	}
	if _, err := ParseHeader([]byte("hdrver=\"3\"\n")); err == nil {
		t.Fatal("hdrver 3 accepted")
	}
}
