package env

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Status values of the "status" column.
const (
	StatusOff         = 0
	StatusOn          = 1
	StatusSlave       = 2
	StatusMaintenance = 3
)

// StatusName renders a status as CBSD's jls does.
func StatusName(s int) string {
	switch s {
	case StatusOff:
		return "Off"
	case StatusOn:
		return "On"
	case StatusSlave:
		return "Slave"
	case StatusMaintenance:
		return "Maintenance"
	}
	return "Unknown"
}

// MaxNameLen is the longest accepted environment name.
const MaxNameLen = 64

// nameChar reports whether c may appear in a name: letters, digits and
// _ @ % : anywhere, - anywhere but first.
func nameChar(c byte, first bool) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '_' || c == '@' || c == '%' || c == ':':
		return true
	}
	return c == '-' && !first
}

func validName(name string) bool {
	for i := 0; i < len(name); i++ {
		if !nameChar(name[i], i == 0) {
			return false
		}
	}
	return true
}

// ValidateName checks an environment name before any file is touched.
func ValidateName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty environment name: %w", errdefs.ErrInvalid)
	case len(name) > MaxNameLen:
		return fmt.Errorf("environment name %q is longer than %d characters: %w", name, MaxNameLen, errdefs.ErrInvalid)
	case !validName(name):
		return fmt.Errorf("invalid environment name %q: only letters, digits and _ @ %% : - are allowed (not first: -): %w", name, errdefs.ErrInvalid)
	}
	return nil
}

// IsMask reports whether a name is a mask ("*" anywhere).
func IsMask(name string) bool { return strings.Contains(name, "*") }

// MatchMask matches name against a CBSD mask where "*" matches any run of
// characters (SQL LIKE '%' semantics, case-sensitive).
func MatchMask(mask, name string) bool {
	parts := strings.Split(mask, "*")
	if len(parts) == 1 {
		return mask == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(name, p)
		if i < 0 {
			return false
		}
		name = name[i+len(p):]
	}
	return strings.HasSuffix(name, last)
}

// Env is one environment's settings: CBSD parameters by name.
type Env struct {
	p map[string]string
}

// New returns an Env named name with every column at its schema default.
func New(name string) *Env {
	e := &Env{p: make(map[string]string, len(Columns))}
	for _, c := range Columns {
		e.p[c.Name] = c.Default
	}
	e.p["jname"] = name
	return e
}

// FromRow wraps a stored row as is (no defaults filled in): the fast path
// for listing many environments.
func FromRow(m map[string]string) *Env { return &Env{p: m} }

// Name is the environment name.
func (e *Env) Name() string { return e.p["jname"] }

// Get returns a parameter ("" when absent).
func (e *Env) Get(k string) string { return e.p[k] }

// Has reports whether a parameter is present.
func (e *Env) Has(k string) bool { _, ok := e.p[k]; return ok }

// Set sets a parameter; empty values are stored as "0", as CBSD does.
func (e *Env) Set(k, v string) {
	if v == "" && k != "name" {
		v = "0"
	}
	e.p[k] = v
}

// Int returns a numeric parameter (0 when unset or not a number).
func (e *Env) Int(k string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(e.p[k]))
	return n
}

// Bool reports whether a flag parameter is set to a true value.
func (e *Env) Bool(k string) bool {
	switch strings.ToLower(strings.TrimSpace(e.p[k])) {
	case "1", "yes", "true", "on":
		return true
	}
	return false
}

// IsSet reports whether a text parameter holds a value other than "0"/"".
func (e *Env) IsSet(k string) bool {
	v := strings.TrimSpace(e.p[k])
	return v != "" && v != "0"
}

// Map returns a copy of every parameter.
func (e *Env) Map() map[string]string {
	m := make(map[string]string, len(e.p))
	for k, v := range e.p {
		m[k] = v
	}
	return m
}

// Keys returns the parameter names, sorted.
func (e *Env) Keys() []string {
	ks := make([]string, 0, len(e.p))
	for k := range e.p {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Clone returns a deep copy.
func (e *Env) Clone() *Env { return &Env{p: e.Map()} }

// Status is the numeric status column.
func (e *Env) Status() int { return e.Int("status") }

// Emulator returns the emulator ("jail" by default).
func (e *Env) Emulator() string {
	if v := e.p["emulator"]; v != "" && v != "0" {
		return v
	}
	return "jail"
}
