package oci

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
)

// helperSum is the SHA-256 of the embedded jail helper (cmd/cbsd-helper,
// in helperFS), set by scripts/build.sh.
var helperSum string

// helperName is the embedded helper for this platform.
var helperName = "helperbin/" + goruntime.GOOS + "-" + goruntime.GOARCH + "/cbsd-helper"

// helper returns the program to run as a jail's supervisor and init: the
// embedded helper, written to dir on first use, or cbsd itself when this
// build has none.
func (d *Driver) helper() string {
	d.helperOnce.Do(func() {
		d.helperPath = d.Self
		if helperSum == "" {
			return
		}
		p, err := installHelper(d.StateDir, helperSum)
		if err != nil {
			d.Log.Warn("jail helper not installed, jails run with cbsd itself", "err", err)
			return
		}
		d.helperPath = p
	})
	return d.helperPath
}

// installHelper writes the embedded helper (whose SHA-256 is sum) as
// dir/cbsd-helper-<sum> unless it is there already, and returns its path.
// The name changes with the content, so the helper of jails still running
// from an older cbsd is never replaced under them. Only an install reads
// the embedded copy (its pages are not touched otherwise).
func installHelper(dir, sum string) (string, error) {
	if len(sum) < 16 {
		return "", fmt.Errorf("helper checksum %q too short", sum)
	}
	f, err := helperFS.Open(helperName)
	if err != nil {
		return "", err
	}
	efi, err := f.Stat()
	f.Close()
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "cbsd-helper-"+sum[:16])
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == efi.Size() {
		return p, nil
	}
	b, err := helperFS.ReadFile(helperName)
	if err != nil {
		return "", err
	}
	got := sha256.Sum256(b)
	if hex.EncodeToString(got[:]) != sum {
		return "", fmt.Errorf("embedded helper does not match its checksum (rebuild with scripts/build.sh)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	t, err := os.CreateTemp(dir, ".cbsd-helper-*")
	if err != nil {
		return "", err
	}
	_, err = t.ReadFrom(bytes.NewReader(b))
	if err == nil {
		err = t.Chmod(0o755)
	}
	if cerr := t.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = checkStatic(t.Name())
	}
	if err == nil {
		err = os.Rename(t.Name(), p)
	}
	if err != nil {
		os.Remove(t.Name())
		return "", fmt.Errorf("install %s: %w", p, err)
	}
	// Earlier builds' helpers go: jails still running one keep it (the
	// supervisor's executable and the init's bind mount hold the file).
	if old, _ := filepath.Glob(filepath.Join(dir, "cbsd-helper-*")); len(old) > 0 {
		for _, o := range old {
			if o != p {
				os.Remove(o)
			}
		}
	}
	return p, nil
}
