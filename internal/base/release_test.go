package base

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

func TestReleaseDir(t *testing.T) {
	for ver, want := range map[string]string{
		"14.3":         "M/releases/amd64/amd64/14.3-RELEASE",
		"14.3-RELEASE": "M/releases/amd64/amd64/14.3-RELEASE",
		"15.0-RC1":     "M/releases/amd64/amd64/15.0-RC1",
		"14.3-STABLE":  "M/snapshots/amd64/amd64/14.3-STABLE",
		"16.0-CURRENT": "M/snapshots/amd64/amd64/16.0-CURRENT",
	} {
		if got := (Release{Ver: ver, Arch: "amd64", TargetArch: "amd64"}).Dir("M/"); got != want {
			t.Errorf("%s: %s, want %s", ver, got, want)
		}
	}
	for _, v := range []string{"bookworm", "busybox", "14", "14.3-FOO", "../14.3"} {
		if IsFreeBSDRelease(v) {
			t.Errorf("%q taken for a FreeBSD version", v)
		}
	}
	if (Release{Ver: "14.3-RELEASE"}).Name() != "14.3" || TargetArch("arm64") != "aarch64" {
		t.Error("Name/TargetArch")
	}
}

func TestParseManifest(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	m, err := ParseManifest(strings.NewReader("base.txz\t" + sum + "\t12\tbase\t\"Base system (MANDATORY)\"\ton\n\n"))
	if err != nil || m["base.txz"] != sum {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"base.txz\tnothex\t1\n", "kernel.txz\t" + sum + "\t1\n"} {
		if _, err := ParseManifest(strings.NewReader(bad)); !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// releaseTree writes a fake FreeBSD release (base.txz with bin/sh,
// lib32.txz, MANIFEST) under root for 14.3 amd64 and returns its dir.
func releaseTree(t *testing.T, root string, tamper bool) {
	t.Helper()
	dir := filepath.Join(root, "releases/amd64/amd64/14.3-RELEASE")
	src := t.TempDir()
	mkfile(t, filepath.Join(src, "base/bin/sh"), "#!fake freebsd sh\n", 0o555)
	mkfile(t, filepath.Join(src, "base/etc/rc"), "# rc\n", 0o644)
	mkfile(t, filepath.Join(src, "lib32/usr/lib32/libc.so.7"), "lib32\n", 0o444)
	must(t, os.MkdirAll(dir, 0o755))
	var manifest strings.Builder
	for _, set := range []string{"base", "lib32"} {
		out := filepath.Join(dir, set+".txz")
		if b, err := exec.Command("tar", "-cJf", out, "-C", filepath.Join(src, set), ".").CombinedOutput(); err != nil {
			t.Fatalf("tar: %v %s", err, b)
		}
		b, _ := os.ReadFile(out)
		sum := sha256.Sum256(b)
		fmt.Fprintf(&manifest, "%s.txz\t%s\t2\t%s\t\"%s\"\ton\n", set, hex.EncodeToString(sum[:]), set, set)
	}
	must(t, os.WriteFile(filepath.Join(dir, "MANIFEST"), []byte(manifest.String()), 0o644))
	if tamper {
		f, _ := os.OpenFile(filepath.Join(dir, "base.txz"), os.O_APPEND|os.O_WRONLY, 0)
		f.Write([]byte("x"))
		f.Close()
	}
}

// TestFetchRelease: a dead mirror and a mirror with a tampered base.txz are
// skipped; the verified sets from the third are extracted; nothing
// temporary is left.
func TestFetchRelease(t *testing.T) {
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("xz is not installed (apt-get install xz-utils)")
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	bad, good := t.TempDir(), t.TempDir()
	releaseTree(t, bad, true)
	releaseTree(t, good, false)
	badSrv := httptest.NewServer(http.FileServer(http.Dir(bad)))
	defer badSrv.Close()
	goodSrv := httptest.NewServer(http.FileServer(http.Dir(good)))
	defer goodSrv.Close()

	w := t.TempDir()
	var out strings.Builder
	b := &Builder{L: workdir.Layout{W: w}, Run: sys.NewRunner(nil), Out: func(f string, a ...any) { fmt.Fprintf(&out, f, a...) }}
	rel := Release{Ver: "14.3", Arch: "amd64", TargetArch: "amd64"}
	dst, err := b.FetchRelease(context.Background(), rel, []string{dead.URL, badSrv.URL, goodSrv.URL}, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if dst != filepath.Join(w, "basejail/base_amd64_amd64_14.3") || !Ready(dst) {
		t.Fatalf("dst %s not ready", dst)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "usr/lib32/libc.so.7")); err != nil || string(b) != "lib32\n" {
		t.Fatalf("lib32 not extracted: %q %v", b, err)
	}
	if !strings.Contains(out.String(), "checksum mismatch") || !strings.Contains(out.String(), "from "+goodSrv.URL) {
		t.Fatalf("output:\n%s", out.String())
	}
	ents, _ := os.ReadDir(filepath.Join(w, "basejail"))
	if len(ents) != 1 {
		t.Fatalf("basejail holds %v", ents)
	}
	// Only bad mirrors: an error naming each, and no base.
	w2 := t.TempDir()
	b.L = workdir.Layout{W: w2}
	if _, err := b.FetchRelease(context.Background(), rel, []string{dead.URL, badSrv.URL}, false); !errors.Is(err, errdefs.ErrNotFound) ||
		!strings.Contains(err.Error(), badSrv.URL) {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Join(w2, "basejail")); len(ents) != 0 {
		t.Fatalf("failed fetch left %v", ents)
	}
}

func TestReadMirrors(t *testing.T) {
	etc := t.TempDir()
	if got := ReadMirrors(etc); len(got) != 3 {
		t.Fatalf("default %v", got)
	}
	must(t, os.WriteFile(filepath.Join(etc, MirrorsConf), []byte("default_obtain_base_repo_sources=\"http://a/pub/FreeBSD  http://b\"\n"), 0o644))
	if got := ReadMirrors(etc); strings.Join(got, " ") != "http://a/pub/FreeBSD http://b" {
		t.Fatalf("conf %v", got)
	}
}
