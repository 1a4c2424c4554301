package base

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/cbsdgo/cbsd/internal/workdir"
)

func TestReady(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		setup func(d string)
		want  bool
	}{
		{"empty", func(string) {}, false},
		{"bin/sh file", func(d string) { mkfile(t, filepath.Join(d, "bin/sh"), "", 0o755) }, true},
		{"usr/bin/sh only", func(d string) { mkfile(t, filepath.Join(d, "usr/bin/sh"), "", 0o755) }, true},
		{"bin/sh dangling symlink", func(d string) {
			must(t, os.MkdirAll(filepath.Join(d, "bin"), 0o755))
			must(t, os.Symlink("/bin/busybox-not-here", filepath.Join(d, "bin/sh")))
		}, true},
		{"bin/bash only", func(d string) { mkfile(t, filepath.Join(d, "bin/bash"), "", 0o755) }, false},
		{"sbin/sh only", func(d string) { mkfile(t, filepath.Join(d, "sbin/sh"), "", 0o755) }, false},
	}
	for _, tt := range tests {
		d := filepath.Join(dir, tt.name)
		must(t, os.MkdirAll(d, 0o755))
		tt.setup(d)
		if got := Ready(d); got != tt.want {
			t.Errorf("%s: Ready = %v, want %v", tt.name, got, tt.want)
		}
	}
	if Ready(filepath.Join(dir, "missing")) {
		t.Error("Ready on a missing directory")
	}
}

func TestList(t *testing.T) {
	l := workdir.Layout{W: t.TempDir()}
	if bs, err := List(l); err != nil || bs != nil {
		t.Fatalf("List without basejail = %v, %v", bs, err)
	}
	bj := l.Path("basejail")
	ready := func(name string) { mkfile(t, filepath.Join(bj, name, "bin/sh"), "", 0o755) }
	ready("base_amd64_amd64_bookworm")
	ready("base_arm64_arm64_busybox")
	ready("base_mine_amd64_amd64_trixie")
	ready("base_amd64_bookworm")  // too few fields
	ready("other_amd64_amd64_x")  // not a base
	ready("base_amd64_amd64_new") // a sibling without bin/sh below
	must(t, os.Remove(filepath.Join(bj, "base_amd64_amd64_new", "bin/sh")))
	must(t, os.MkdirAll(filepath.Join(bj, "base_amd64_amd64_empty"), 0o755))
	mkfile(t, filepath.Join(bj, "base_amd64_amd64_file"), "", 0o644) // not a directory

	bs, err := List(l)
	if err != nil {
		t.Fatal(err)
	}
	want := []Base{
		{Name: "base_amd64_amd64_bookworm", Arch: "amd64", Ver: "bookworm", Path: filepath.Join(bj, "base_amd64_amd64_bookworm")},
		{Name: "base_arm64_arm64_busybox", Arch: "arm64", Ver: "busybox", Path: filepath.Join(bj, "base_arm64_arm64_busybox")},
		{Name: "base_mine_amd64_amd64_trixie", Arch: "amd64", Ver: "trixie", Path: filepath.Join(bj, "base_mine_amd64_amd64_trixie")},
	}
	if !reflect.DeepEqual(bs, want) {
		t.Errorf("List:\n got %+v\nwant %+v", bs, want)
	}
	// The listed paths are what Layout.BaseDir computes.
	if bs[0].Path != l.BaseDir("", "amd64", "bookworm") || bs[2].Path != l.BaseDir("mine", "amd64", "trixie") {
		t.Errorf("List paths differ from Layout.BaseDir: %q %q", bs[0].Path, bs[2].Path)
	}
}

func TestPrepare(t *testing.T) {
	d := t.TempDir()
	must(t, os.Symlink("/nowhere", filepath.Join(d, "run"))) // existing entries are kept
	must(t, prepare(d))
	for _, m := range mountPoints {
		if _, err := os.Lstat(filepath.Join(d, m)); err != nil {
			t.Errorf("%s: %v", m, err)
		}
	}
	if target, err := os.Readlink(filepath.Join(d, "run")); err != nil || target != "/nowhere" {
		t.Errorf("prepare replaced the run symlink: %q %v", target, err)
	}
}
