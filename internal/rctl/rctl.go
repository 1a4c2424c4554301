package rctl

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// Names are CBSD's RCTL resources (share/rctl.conf RCTL), in its order.
var Names = []string{"datasize", "stacksize", "coredumpsize", "memoryuse", "memorylocked", "maxproc",
	"openfiles", "vmemoryuse", "pseudoterminals", "swapuse", "nthr", "msgqqueued", "msgqsize", "nmsgq",
	"nsem", "nsemop", "nshm", "shmsize", "wallclock", "pcpu", "readbps", "writebps", "readiops", "writeiops"}

// File is where an environment's limits are kept, under its system dir.
const File = "rctl.conf"

// IsName reports whether name is an RCTL resource.
func IsName(name string) bool { return slices.Contains(Names, name) }

// Limits maps resources to amounts ("0" or absent = no limit).
type Limits map[string]string

// Validate checks that every key is an RCTL resource and every value an
// amount rctl(8) accepts: a number with an optional k/m/g/t suffix (pcpu:
// a percentage).
func (l Limits) Validate() error {
	for k, v := range l {
		if !IsName(k) {
			return fmt.Errorf("%q is not an RCTL resource (one of: %s): %w", k, strings.Join(Names, " "), errdefs.ErrInvalid)
		}
		var err error
		if k == "pcpu" {
			_, err = strconv.ParseUint(v, 10, 16)
		} else {
			_, err = Amount(v)
		}
		if err != nil {
			return fmt.Errorf("%s=%q: want a number, optionally with k, m, g or t (pcpu: percent of one CPU): %w", k, v, errdefs.ErrInvalid)
		}
	}
	return nil
}

// Set returns the limits that are set (not "0"), sorted in Names order.
func (l Limits) Set() [][2]string {
	var out [][2]string
	for _, k := range Names {
		if v := l[k]; v != "" && v != "0" {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// Read loads the limits in sysDir (none when the file is absent).
func Read(sysDir string) (Limits, error) {
	b, err := os.ReadFile(filepath.Join(sysDir, File))
	if errors.Is(err, fs.ErrNotExist) {
		return Limits{}, nil
	}
	if err != nil {
		return nil, err
	}
	as, err := env.ParseAssignments(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(sysDir, File), err)
	}
	l := Limits{}
	for _, a := range as {
		l[a.Key] = a.Value
	}
	return l, l.Validate()
}

// Write replaces the limits in sysDir atomically (the file is removed
// when no limit is set).
func Write(sysDir string, l Limits) error {
	if err := l.Validate(); err != nil {
		return err
	}
	set := l.Set()
	path := filepath.Join(sysDir, File)
	if len(set) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	var b strings.Builder
	for _, kv := range set {
		fmt.Fprintf(&b, "%s=%s\n", kv[0], env.Quote(kv[1]))
	}
	return workdir.WriteFileAtomic(path, []byte(b.String()), 0o644)
}

// Rules are the rctl(8) rules of l for jail name ("jail:web1:memoryuse:deny=1g").
func (l Limits) Rules(name string) []string {
	var out []string
	for _, kv := range l.Set() {
		out = append(out, fmt.Sprintf("jail:%s:%s:deny=%s", name, kv[0], kv[1]))
	}
	return out
}

// Amount parses an amount as rctl(8) does: a number with an optional k, m,
// g or t suffix (powers of 1024).
func Amount(v string) (uint64, error) {
	s := strings.ToLower(v)
	shift := 0
	if s != "" {
		switch s[len(s)-1] {
		case 'k':
			shift = 10
		case 'm':
			shift = 20
		case 'g':
			shift = 30
		case 't':
			shift = 40
		}
		if shift > 0 {
			s = s[:len(s)-1]
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || s == "" {
		return 0, fmt.Errorf("%q: want a number, optionally with k, m, g or t: %w", v, errdefs.ErrInvalid)
	}
	if n > (^uint64(0))>>shift {
		return 0, fmt.Errorf("%q: too large: %w", v, errdefs.ErrInvalid)
	}
	return n << shift, nil
}
