package oci

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
)

// The jail helper (cmd/cbsd-helper), embedded by scripts/build.sh, which
// also sets helperSum to its SHA-256.
//
//go:embed helperbin
var helperFS embed.FS

var helperSum string

// helperName is the embedded helper for this platform.
var helperName = "helperbin/cbsd-helper-" + goruntime.GOOS + "-" + goruntime.GOARCH

// helper returns the program to run as a jail's supervisor and init: the
// embedded helper, written to dir on first use, or cbsd itself when this
// build has none.
func (d *Driver) helper() string {
	d.helperOnce.Do(func() {
		d.helperPath = d.Self
		b, err := helperFS.ReadFile(helperName)
		if err != nil || helperSum == "" {
			return
		}
		p, err := installHelper(d.StateDir, b, helperSum)
		if err != nil {
			d.Log.Warn("jail helper not installed, jails run with cbsd itself", "err", err)
			return
		}
		d.helperPath = p
	})
	return d.helperPath
}

// installHelper writes b (whose SHA-256 is sum) as dir/cbsd-helper-<sum>
// unless it is there already, and returns its path. The name changes with
// the content, so the helper of jails still running from an older cbsd is
// never replaced under them.
func installHelper(dir string, b []byte, sum string) (string, error) {
	if len(sum) < 16 {
		return "", fmt.Errorf("helper checksum %q too short", sum)
	}
	p := filepath.Join(dir, "cbsd-helper-"+sum[:16])
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(b)) {
		return p, nil
	}
	got := sha256.Sum256(b)
	if hex.EncodeToString(got[:]) != sum {
		return "", fmt.Errorf("embedded helper does not match its checksum (rebuild with scripts/build.sh)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".cbsd-helper-*")
	if err != nil {
		return "", err
	}
	_, err = f.ReadFrom(bytes.NewReader(b))
	if err == nil {
		err = f.Chmod(0o755)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkStatic(f.Name())
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("install %s: %w", p, err)
	}
	return p, nil
}
