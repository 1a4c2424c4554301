package fstab

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func write(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fstab")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParse(t *testing.T) {
	const wd = "/usr/jails"
	tests := []struct {
		name string
		in   string
		want []Entry
	}{
		{"empty", "", nil},
		{"comments and blanks", "# c\n\n   \n  # indented\n", nil},
		{"absolute nullfs", "/srv/data /mnt/data nullfs rw 0 0\n",
			[]Entry{{"/srv/data", "/mnt/data", "nullfs", []string{"rw"}}}},
		{"placeholder", "CBSDROOT/src /usr/src nullfs ro 0 0\n",
			[]Entry{{wd + "/src", "/usr/src", "nullfs", []string{"ro"}}}},
		{"placeholder replaced once", "CBSDROOT/CBSDROOT /x bind ro\n",
			[]Entry{{wd + "/CBSDROOT", "/x", "bind", []string{"ro"}}}},
		{"misspelt placeholder is relative", "CBDSROOT/src /x nullfs ro\n",
			[]Entry{{wd + "/CBDSROOT/src", "/x", "nullfs", []string{"ro"}}}},
		{"relative nullfs source", "jails-data/shared /shared nullfs rw\n",
			[]Entry{{wd + "/jails-data/shared", "/shared", "nullfs", []string{"rw"}}}},
		{"relative bind source", "./a/../b /b bind\n",
			[]Entry{{wd + "/b", "/b", "bind", nil}}},
		{"relative non-bind source untouched", "tmpfs /tmp tmpfs rw,size=10m 0 0\n",
			[]Entry{{"tmpfs", "/tmp", "tmpfs", []string{"rw", "size=10m"}}}},
		{"mount point cleaned", "/a mnt//x/./y/ nullfs ro\n",
			[]Entry{{"/a", "/mnt/x/y", "nullfs", []string{"ro"}}}},
		{"dotdot cleaned", "/a /mnt/../../etc nullfs ro\n",
			[]Entry{{"/a", "/etc", "nullfs", []string{"ro"}}}},
		{"usr/compat rewritten", "/a /usr/compat/linux/proc linprocfs rw\n/b /usr/compat nullfs ro\n",
			[]Entry{{"/a", "/compat/linux/proc", "linprocfs", []string{"rw"}}, {"/b", "/compat", "nullfs", []string{"ro"}}}},
		{"usr/compatx not rewritten", "/a /usr/compatx nullfs ro\n",
			[]Entry{{"/a", "/usr/compatx", "nullfs", []string{"ro"}}}},
		{"tabs and three fields", "proc\t/proc\tproc\n",
			[]Entry{{"proc", "/proc", "proc", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(write(t, tt.in), wd)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, where string }{
		{"too few fields", "# c\n/a /b\n", ":2:"},
		{"root refused", "/a / nullfs ro\n", ":1:"},
		{"root after clean", "/ok /x nullfs ro\n/a /x/.. nullfs ro\n", ":2:"},
		{"dotdot to root", "/a ../.. nullfs ro\n", ":1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := write(t, tt.in)
			es, err := Parse(f, "/w")
			if err == nil {
				t.Fatalf("no error, got %+v", es)
			}
			if !errors.Is(err, errdefs.ErrInvalid) {
				t.Errorf("%v is not ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), f+tt.where) {
				t.Errorf("%v does not name %s%s", err, f, tt.where)
			}
		})
	}
}

func TestParseMissing(t *testing.T) {
	es, err := Parse(filepath.Join(t.TempDir(), "nope"), "/w")
	if err != nil || es != nil {
		t.Errorf("Parse(missing) = %v, %v; want nil, nil", es, err)
	}
}

func TestMerge(t *testing.T) {
	sys := []Entry{
		{"/a", "/mnt/a", "nullfs", []string{"ro"}},
		{"/b", "/mnt/b", "nullfs", []string{"ro"}},
		{"/c", "/mnt/c", "nullfs", []string{"ro"}},
	}
	local := []Entry{
		{"/b2", "/mnt/b", "nullfs", []string{"rw"}},
		{"/d", "/mnt/d", "nullfs", nil},
	}
	got := Merge(sys, local)
	want := []Entry{sys[0], sys[2], local[0], local[1]}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge:\n got %+v\nwant %+v", got, want)
	}
	if got := Merge(sys, nil); !reflect.DeepEqual(got, sys) {
		t.Errorf("Merge(sys, nil) = %+v", got)
	}
	if got := Merge(nil, local); !reflect.DeepEqual(got, local) {
		t.Errorf("Merge(nil, local) = %+v", got)
	}
	if got := Merge(nil, nil); len(got) != 0 {
		t.Errorf("Merge(nil, nil) = %+v", got)
	}
}
