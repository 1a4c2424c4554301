// Package fstab reads CBSD fstab files (jails-fstab/<J>/fstab and
// fstab.local): "<source> <mountpoint in the jail> <fstype> <options>
// <dump> <pass>", with CBSDROOT standing for the workdir and relative
// sources taken below it. Entries of fstab.local win over fstab for the
// same mount point.
package fstab

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Entry is one fstab line.
type Entry struct {
	Source     string
	MountPoint string
	Type       string
	Options    []string
}

// Parse reads one fstab file; a missing file has no entries.
func Parse(file, workdir string) ([]Entry, error) {
	f, err := os.Open(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 3 {
			return nil, fmt.Errorf("%s:%d: want <source> <mountpoint> <fstype> [options]: %w", file, n, errdefs.ErrInvalid)
		}
		e := Entry{Source: strings.Replace(fs[0], "CBSDROOT", workdir, 1), MountPoint: fs[1], Type: fs[2]}
		if len(fs) > 3 && fs[3] != "" {
			e.Options = strings.Split(fs[3], ",")
		}
		if !strings.HasPrefix(e.MountPoint, "/") {
			e.MountPoint = "/" + e.MountPoint
		}
		e.MountPoint = path.Clean(e.MountPoint)
		if e.MountPoint == "/" || strings.Contains(e.MountPoint, "/../") {
			return nil, fmt.Errorf("%s:%d: bad mount point %q: %w", file, n, fs[1], errdefs.ErrInvalid)
		}
		if e.MountPoint == "/usr/compat" || strings.HasPrefix(e.MountPoint, "/usr/compat/") {
			e.MountPoint = strings.TrimPrefix(e.MountPoint, "/usr")
		}
		if e.Type == "nullfs" || e.Type == "bind" {
			if !filepath.IsAbs(e.Source) {
				e.Source = filepath.Join(workdir, e.Source)
			}
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Merge returns the entries of system and local, where a local entry
// replaces a system entry with the same mount point.
func Merge(system, local []Entry) []Entry {
	seen := map[string]bool{}
	for _, e := range local {
		seen[e.MountPoint] = true
	}
	var out []Entry
	for _, e := range system {
		if !seen[e.MountPoint] {
			out = append(out, e)
		}
	}
	return append(out, local...)
}
