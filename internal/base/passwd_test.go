package base

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/sys"
)

func TestSetRootPassword(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed (apt-get install openssl)")
	}
	etc := t.TempDir()
	mkfile(t, filepath.Join(etc, "passwd"), "root::0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\n", 0o644)
	run := sys.NewRunner(nil)
	if err := SetRootPassword(context.Background(), run, etc, "s3cret pass"); err != nil {
		t.Fatal(err)
	}
	pw, _ := os.ReadFile(filepath.Join(etc, "passwd"))
	if !strings.HasPrefix(string(pw), "root:x:0:0:") || !strings.Contains(string(pw), "daemon:x:1:1") {
		t.Fatalf("passwd:\n%s", pw)
	}
	sh, _ := os.ReadFile(filepath.Join(etc, "shadow"))
	f := strings.Split(strings.TrimSpace(string(sh)), ":")
	if len(f) != 9 || f[0] != "root" || !strings.HasPrefix(f[1], "$6$") {
		t.Fatalf("shadow: %q", sh)
	}
	// The hash verifies with the same salt.
	parts := strings.Split(f[1], "$") // "", "6", salt, hash
	out, err := exec.Command("openssl", "passwd", "-6", "-salt", parts[2], "s3cret pass").Output()
	if err != nil || strings.TrimSpace(string(out)) != f[1] {
		t.Fatalf("hash does not verify: %q %v", out, err)
	}
	// A second password replaces the entry; other users stay.
	os.Remove(filepath.Join(etc, "shadow"))
	os.WriteFile(filepath.Join(etc, "shadow"), []byte("daemon:*:1::::::\nroot:old:1:0:99999:7:::\n"), 0o600)
	if err := SetRootPassword(context.Background(), run, etc, "other"); err != nil {
		t.Fatal(err)
	}
	sh, _ = os.ReadFile(filepath.Join(etc, "shadow"))
	if !strings.HasPrefix(string(sh), "daemon:*:1::::::\nroot:$6$") || strings.Contains(string(sh), "old") {
		t.Fatalf("shadow after change:\n%s", sh)
	}
	if st, _ := os.Stat(filepath.Join(etc, "shadow")); st.Mode().Perm() != 0o600 {
		t.Fatalf("shadow mode %v", st.Mode())
	}
	if err := SetRootPassword(context.Background(), run, etc, "a\nb"); err == nil {
		t.Fatal("newline accepted")
	}
	if err := SetRootPassword(context.Background(), run, t.TempDir(), "x"); err == nil {
		t.Fatal("no passwd file accepted")
	}
}
