// Package share holds the files cbsd installs into W/share: the example
// mount hooks for shared storage (examples/env_start/{nfsv4,glusterfs,cephfs})
// and the boot services that run "cbsd astart" (rc.d/cbsdd for FreeBSD,
// systemd/cbsd.service for Linux).
package share

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed examples rc.d systemd
var files embed.FS

// Install writes the shared files below dir (W/share), replacing older
// copies; scripts are made executable.
func Install(dir string) error {
	return fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, p)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if (strings.HasSuffix(p, ".sh") && !strings.HasSuffix(p, "lib.sh")) || strings.HasPrefix(p, "rc.d/") {
			mode = 0o755
		}
		tmp := dst + ".new"
		if err := os.WriteFile(tmp, b, mode); err != nil {
			return err
		}
		if err := os.Chmod(tmp, mode); err != nil {
			return err
		}
		return os.Rename(tmp, dst)
	})
}

// RCScript is FreeBSD's rc.d script for cbsd (installed as
// /usr/local/etc/rc.d/cbsdd).
func RCScript() []byte {
	b, _ := files.ReadFile("rc.d/cbsdd")
	return b
}
