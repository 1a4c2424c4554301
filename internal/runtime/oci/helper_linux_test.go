package oci

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallHelper(t *testing.T) {
	b, err := helperFS.ReadFile(helperName)
	if err != nil {
		t.Skip("no embedded helper in this build (scripts/build.sh puts it in): ", err)
	}
	sum := sha256.Sum256(b)
	hexsum := hex.EncodeToString(sum[:])
	dir := t.TempDir()
	stale := filepath.Join(dir, "cbsd-helper-0123456789abcdef")
	os.WriteFile(stale, []byte("an older build's helper"), 0o755)

	if _, err := installHelper(dir, strings.Repeat("0", 64)); err == nil {
		t.Error("a helper whose checksum does not match was installed")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("a refused install left files: %v", ents)
	}
	p, err := installHelper(dir, hexsum)
	if err != nil {
		t.Fatal(err)
	}
	if p != filepath.Join(dir, "cbsd-helper-"+hexsum[:16]) {
		t.Errorf("installed as %s", p)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o755 || fi.Size() != int64(len(b)) {
		t.Fatalf("installed helper: %v %v", fi, err)
	}
	if err := checkStatic(p); err != nil {
		t.Errorf("installed helper: %v", err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("the older helper was left")
	}
	// Installed already: nothing is written again.
	before := fi.ModTime()
	if p2, err := installHelper(dir, hexsum); err != nil || p2 != p {
		t.Fatalf("second install: %s %v", p2, err)
	}
	if fi, _ := os.Stat(p); !fi.ModTime().Equal(before) {
		t.Error("the helper was written again")
	}
}
