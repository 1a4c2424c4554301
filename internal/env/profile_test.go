package env

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"jname": "web1", "workdir": "/w"}
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"${jname}.my.domain", "web1.my.domain"},
		{"$workdir/jails/$jname", "/w/jails/web1"},
		{"${nosuch}x", "x"},
		{"a${jname}b${jname}", "aweb1bweb1"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Expand(tt.in, vars); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func writeFile(t *testing.T, p, s string) string {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadProfile(t *testing.T) {
	dir := t.TempDir()
	f1 := writeFile(t, filepath.Join(dir, "default.conf"),
		"a=\"1\"\nb=\"${a}-x\"\npath=\"${workdir}/jails/${jname}\"\nkeep=\"k\"\n")
	missing := filepath.Join(dir, "missing.conf")
	f2 := writeFile(t, filepath.Join(dir, "local.conf"),
		"a=\"2\"\nc=\"${b}\"\njname=\"other\"\nd=\"${jname}\"\ne=\"${a}\"\n")
	vars := map[string]string{"jname": "web1", "workdir": "/w"}
	got, err := ReadProfile(vars, f1, missing, f2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a":    "2",   // later file overrides
		"b":    "1-x", // expanded with the value current at that point
		"c":    "1-x",
		"path": "/w/jails/web1",
		"keep": "k",
		// vars are fixed: a profile's jname does not change ${jname}
		"jname": "other",
		"d":     "web1",
		"e":     "2",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d keys, want %d: %v", len(got), len(want), got)
	}
	if vars["jname"] != "web1" || len(vars) != 2 {
		t.Errorf("ReadProfile changed vars: %v", vars)
	}
}

func TestReadProfileAllMissing(t *testing.T) {
	got, err := ReadProfile(nil, filepath.Join(t.TempDir(), "none"))
	if err != nil || len(got) != 0 {
		t.Errorf("ReadProfile(missing) = %v, %v", got, err)
	}
}

func TestReadProfileBadFile(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "bad.conf"), "a=1\nrm -rf /\n")
	_, err := ReadProfile(nil, f)
	if err == nil || !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), f) {
		t.Errorf("ReadProfile(bad) = %v, want ErrInvalid naming %s", err, f)
	}
}

func TestReadProfileDefault(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "d.conf"), DefaultProfile)
	vars := map[string]string{"jname": "web1", "jaildir": "/w/jails", "jailrcconfdir": "/w/jails-rcconf"}
	got, err := ReadProfile(vars, f)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"host_hostname": "web1.my.domain",
		"path":          "/w/jails/web1",
		"rcconf":        "/w/jails-rcconf/rc.conf_web1",
		"exec_start":    "/bin/sh /etc/rc",
		"basename":      "",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}
