package fetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestFile(t *testing.T) {
	payload := bytes.Repeat([]byte("cbsd-iso "), 100000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debian.iso" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(payload)))
		w.Write(payload)
	}))
	defer srv.Close()
	sum := sha256.Sum256(payload)
	good := hex.EncodeToString(sum[:])
	dir := t.TempDir()
	var prog bytes.Buffer
	dst := filepath.Join(dir, "iso", "cbsd-iso-debian.iso")
	if err := File(context.Background(), srv.URL+"/debian.iso", dst, strings.ToUpper(good), &prog); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dst); !bytes.Equal(b, payload) {
		t.Fatal("content differs")
	}
	if !strings.Contains(prog.String(), "cbsd-iso-debian.iso: 100%") {
		t.Fatalf("progress: %q", prog.String())
	}
	bad := filepath.Join(dir, "bad.iso")
	err := File(context.Background(), srv.URL+"/debian.iso", bad, strings.Repeat("0", 64), nil)
	if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("mismatch: %v", err)
	}
	for _, p := range []string{bad, bad + ".part"} {
		if _, err := os.Stat(p); err == nil {
			t.Fatalf("%s left after a checksum mismatch", p)
		}
	}
	if err := File(context.Background(), srv.URL+"/missing.iso", filepath.Join(dir, "m"), "", nil); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("404: %v", err)
	}
}
