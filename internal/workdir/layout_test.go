package workdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLayoutPaths(t *testing.T) {
	l := Layout{W: "/usr/jails"}
	tests := []struct{ got, want string }{
		{l.DataDir("web1"), "/usr/jails/jails-data/web1-data"},
		{l.SysDir("web1"), "/usr/jails/jails-system/web1"},
		{l.Fstab("web1"), "/usr/jails/jails-fstab/web1/fstab"},
		{l.FstabDir("web1"), "/usr/jails/jails-fstab/web1"},
		{l.Rcconf("web1"), "/usr/jails/jails-rcconf/rc.conf_web1"},
		{l.RcconfDir(), "/usr/jails/jails-rcconf"},
		{l.SysRcconf("web1"), "/usr/jails/jails-system/web1/rc.conf_web1"},
		{l.JailPath("web1"), "/usr/jails/jails/web1"},
		{l.Log("web1"), "/usr/jails/var/log/web1.log"},
		{l.RunDir("web1"), "/usr/jails/var/run/oci/web1"},
		{l.OpLock("web1"), "/usr/jails/var/run/lock/web1.lock"},
		{l.Cgroup("web1"), "/cbsd/web1.d8d56d9d"},
		{Layout{W: "/usr/jails/"}.Cgroup("web1"), "/cbsd/web1.d8d56d9d"},
		{Layout{W: "/w"}.Cgroup("web1"), "/cbsd/web1.d1bb8ca3"},
		{l.DB(), "/usr/jails/var/db/local.sqlite"},
		{l.InventoryFile("n1"), "/usr/jails/var/db/inv.n1.sqlite"},
		{l.BaseDir("", "amd64", "bookworm"), "/usr/jails/basejail/base_amd64_amd64_bookworm"},
		{l.BaseDir("0", "amd64", "bookworm"), "/usr/jails/basejail/base_amd64_amd64_bookworm"},
		{l.BaseDir("mybase", "arm64", "busybox"), "/usr/jails/basejail/base_mybase_arm64_arm64_busybox"},
		{l.Path(), "/usr/jails"},
		{l.Path("a", "b/", "../c"), "/usr/jails/a/c"},
		{Layout{W: "/w/"}.SysDir("j"), "/w/jails-system/j"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("case %d: got %q, want %q", i, tt.got, tt.want)
		}
	}
	v := l.Vars()
	for k, want := range map[string]string{
		"workdir": "/usr/jails", "jaildir": "/usr/jails/jails", "jaildatadir": "/usr/jails/jails-data",
		"jaildatapref": "data", "jailfstabdir": "/usr/jails/jails-fstab",
		"jailrcconfdir": "/usr/jails/jails-rcconf", "jailsysdir": "/usr/jails/jails-system",
		"basejaildir": "/usr/jails/basejail", "platform": Platform(),
	} {
		if v[k] != want {
			t.Errorf("Vars()[%s] = %q, want %q", k, v[k], want)
		}
	}
}

func TestCreate(t *testing.T) {
	w := filepath.Join(t.TempDir(), "w")
	l := Layout{W: w}
	if l.Exists() {
		t.Fatal("Exists before Create")
	}
	if err := l.Create(); err != nil {
		t.Fatal(err)
	}
	for _, d := range Dirs {
		fi, err := os.Stat(l.Path(d))
		if err != nil || !fi.IsDir() {
			t.Errorf("%s: %v", d, err)
		}
	}
	if fi, err := os.Stat(l.Path(".ssh")); err == nil && fi.Mode().Perm()&0o077 != 0 {
		t.Errorf(".ssh mode %v", fi.Mode().Perm())
	}
	ids := map[string]string{}
	for _, d := range IDDirs {
		b, err := os.ReadFile(l.Path(d, "dir.id"))
		if err != nil {
			t.Fatalf("%s/dir.id: %v", d, err)
		}
		s := string(b)
		if !strings.HasSuffix(s, "\n") || len(strings.TrimSpace(s)) < 20 {
			t.Errorf("%s/dir.id = %q", d, s)
		}
		ids[d] = s
	}
	if ids["jails-data"] == ids["var/db"] {
		t.Error("dir.id files are not random")
	}
	if l.Exists() {
		t.Error("Exists without an inventory")
	}

	// Idempotent: a second call succeeds and keeps the identifiers.
	if err := l.Create(); err != nil {
		t.Fatal(err)
	}
	for _, d := range IDDirs {
		b, _ := os.ReadFile(l.Path(d, "dir.id"))
		if string(b) != ids[d] {
			t.Errorf("%s/dir.id changed: %q -> %q", d, ids[d], b)
		}
	}

	if err := os.WriteFile(l.DB(), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !l.Exists() {
		t.Error("Exists with an inventory = false")
	}
}

func tempDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResolve(t *testing.T) {
	dir := tempDir(t)
	rc := filepath.Join(dir, "rc.conf")
	if err := os.WriteFile(rc, []byte("hostname=\"h\"\ncbsd_workdir=\""+dir+"/fromrc/\"\nsshd_enable=\"YES\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rcSingle := filepath.Join(dir, "rc.single")
	if err := os.WriteFile(rcSingle, []byte("cbsd_workdir='"+dir+"/single'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rcBare := filepath.Join(dir, "rc.bare")
	if err := os.WriteFile(rcBare, []byte("# x\ncbsd_workdir="+dir+"/bare//\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rcNone := filepath.Join(dir, "rc.none")
	if err := os.WriteFile(rcNone, []byte("hostname=\"h\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A symlinked workdir resolves to its target.
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	def, err := filepath.EvalSymlinks(DefaultWorkdir)
	if err != nil {
		def = DefaultWorkdir
	}
	tests := []struct {
		name, env, rc, want string
	}{
		{"env wins", dir + "/fromenv", rc, dir + "/fromenv"},
		{"env trailing slash", dir + "/fromenv/", rc, dir + "/fromenv"},
		{"rc.conf", "", rc, dir + "/fromrc"},
		{"rc.conf single quotes", "", rcSingle, dir + "/single"},
		{"rc.conf bare", "", rcBare, dir + "/bare"},
		{"rc.conf without the key", "", rcNone, def},
		{"no rc.conf", "", filepath.Join(dir, "missing"), def},
		{"symlink", dir + "/link/", rc, dir + "/real"},
	}
	for _, tt := range tests {
		got, err := Resolve(tt.env, tt.rc)
		if err != nil || got != tt.want {
			t.Errorf("%s: Resolve(%q, %q) = %q, %v; want %q", tt.name, tt.env, tt.rc, got, err, tt.want)
		}
	}

	// A relative value is made absolute.
	got, err := Resolve("rel/w", "")
	wd, _ := os.Getwd()
	if err != nil || got != filepath.Join(wd, "rel/w") {
		t.Errorf("Resolve(rel/w) = %q, %v", got, err)
	}
}

func TestSetRcConfWorkdir(t *testing.T) {
	tests := []struct {
		name, before, want string
	}{
		{"new file", "", "cbsd_workdir=\"/w\"\n"},
		{"append", "hostname=\"h\"\n", "hostname=\"h\"\ncbsd_workdir=\"/w\"\n"},
		{"append no newline", "hostname=\"h\"", "hostname=\"h\"\ncbsd_workdir=\"/w\"\n"},
		{"append trims blank lines", "a=1\n\n\n", "a=1\ncbsd_workdir=\"/w\"\n"},
		{"replace", "a=1\ncbsd_workdir=\"/old\"\nb=2\n", "a=1\ncbsd_workdir=\"/w\"\nb=2\n"},
		{"replace duplicates", "cbsd_workdir=\"/o1\"\na=1\ncbsd_workdir=\"/o2\"\n", "cbsd_workdir=\"/w\"\na=1\n"},
		{"keeps other keys", "#cbsd_workdir=\"/c\"\nxcbsd_workdir=1\n", "#cbsd_workdir=\"/c\"\nxcbsd_workdir=1\ncbsd_workdir=\"/w\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "rc.conf")
			if tt.name != "new file" {
				if err := os.WriteFile(p, []byte(tt.before), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := SetRcConfWorkdir(p, "/w"); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("rc.conf = %q, want %q", b, tt.want)
			}
			// What was written is what Resolve reads back.
			if got, err := Resolve("", p); err != nil || got != "/w" {
				t.Errorf("Resolve after SetRcConfWorkdir = %q, %v", got, err)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := WriteFileAtomic(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("two"), 0o640); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "two" {
		t.Errorf("content = %q, %v", b, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var ns []string
		for _, e := range ents {
			ns = append(ns, e.Name())
		}
		t.Errorf("temp files left behind: %q", ns)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "nodir", "f"), []byte("x"), 0o644); err == nil {
		t.Error("WriteFileAtomic into a missing directory succeeded")
	}
	// Replacing a directory fails and leaves no temp file.
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d", "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "d"), []byte("x"), 0o644); err == nil {
		t.Error("WriteFileAtomic over a non-empty directory succeeded")
	}
	ents, _ = os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("%d entries after failed rename, want 2", len(ents))
	}
}

func TestPlatformArch(t *testing.T) {
	if Platform() == "" || Arch() == "" {
		t.Errorf("Platform %q Arch %q", Platform(), Arch())
	}
}

func TestRcConfWorkdirForms(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`cbsd_workdir="/x" # comment`, "/x"},
		{`cbsd_workdir="/x";`, "/x"},
		{"cbsd_workdir=\"/x\"\r", "/x"},
		{`  cbsd_workdir='/y'`, "/y"},
		{`cbsd_workdir=/z`, "/z"},
	} {
		p := filepath.Join(t.TempDir(), "rc.conf")
		if err := os.WriteFile(p, []byte("hostname=\"h\"\n"+tc.line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := Resolve("", p)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%q: Resolve = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestSetRcConfSeveral(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rc.conf")
	os.WriteFile(p, []byte("hostname=\"h\"\ncbsdd_enable=\"NO\"\n"), 0o644)
	if err := SetRcConf(p, [][2]string{{"cbsd_workdir", "/usr/jails"}, {"cbsdd_enable", "YES"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if want := "hostname=\"h\"\ncbsdd_enable=\"YES\"\ncbsd_workdir=\"/usr/jails\"\n"; string(b) != want {
		t.Fatalf("rc.conf = %q, want %q", b, want)
	}
}
