package rctl

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestRoundTripAndRules(t *testing.T) {
	dir := t.TempDir()
	l := Limits{"pcpu": "50", "memoryuse": "1g", "maxproc": "0"}
	if err := Write(dir, l); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, File))
	if string(b) != "memoryuse=\"1g\"\npcpu=\"50\"\n" {
		t.Fatalf("file:\n%s", b)
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"jail:web1:memoryuse:deny=1g", "jail:web1:pcpu:deny=50"}
	if r := got.Rules("web1"); !reflect.DeepEqual(r, want) {
		t.Fatalf("rules %v", r)
	}
	// Nothing set: the file goes away.
	if err := Write(dir, Limits{"memoryuse": "0"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, File)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file kept: %v", err)
	}
	if l, err := Read(dir); err != nil || len(l) != 0 {
		t.Fatalf("read absent: %v %v", l, err)
	}
}

func TestValidate(t *testing.T) {
	for _, l := range []Limits{{"memory": "1g"}, {"memoryuse": "lots"}, {"pcpu": "50%"}, {"maxproc": ""}, {"maxproc": "-1"}} {
		if err := l.Validate(); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("%v: err = %v", l, err)
		}
	}
	if err := (Limits{"memoryuse": "512M", "openfiles": "1024", "readbps": "10m"}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := Write(t.TempDir(), Limits{"bogus": "1"}); err == nil {
		t.Fatal("wrote an unknown resource")
	}
}

func TestAmount(t *testing.T) {
	for in, want := range map[string]uint64{"0": 0, "512": 512, "4k": 4096, "1G": 1 << 30, "2t": 2 << 40} {
		if got, err := Amount(in); err != nil || got != want {
			t.Errorf("%s: %d %v", in, got, err)
		}
	}
	for _, in := range []string{"", "k", "1.5g", "-1", "99999999999t"} {
		if _, err := Amount(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
