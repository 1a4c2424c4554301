package progress

import (
	"strings"
	"testing"
)

func TestLinesPlain(t *testing.T) {
	var b strings.Builder
	w := Lines(&b, "debootstrap", func(l string) bool { return strings.HasPrefix(l, "I: ") })
	w.Write([]byte("I: Retrieving InRelease\nW: noise\nI: Valid"))
	w.Write([]byte("ating Packages\n\n"))
	w.Close()
	if got := b.String(); got != "debootstrap: I: Retrieving InRelease\ndebootstrap: I: Validating Packages\n" {
		t.Fatalf("got %q", got)
	}
	// Quiet: nothing, and writes still succeed.
	q := Lines(nil, "x", nil)
	if n, err := q.Write([]byte("I: a\n")); n != 5 || err != nil {
		t.Fatal(n, err)
	}
	q.Close()
}

func TestBytesPlain(t *testing.T) {
	var b strings.Builder
	w := Bytes(&b, "f.iso", 4<<20)
	w.Write(make([]byte, 4<<20))
	w.Close()
	if !strings.Contains(b.String(), "f.iso: 100% (4.0 of 4.0 MiB") {
		t.Fatalf("got %q", b.String())
	}
	if n, err := Bytes(nil, "x", -1).Write([]byte("abc")); n != 3 || err != nil {
		t.Fatal(n, err)
	}
}
