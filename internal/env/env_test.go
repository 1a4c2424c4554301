package env

import (
	"errors"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"web1", true},
		{"a@b:c%d", true},
		{"_x", true},
		{"a-b", true},
		{strings.Repeat("a", MaxNameLen), true},
		{"", false},
		{"../x", false},
		{"a/b", false},
		{"a b", false},
		{"-x", false},
		{"a;b", false},
		{"$(id)", false},
		{"a.b", false},
		{"a\nb", false},
		{strings.Repeat("a", MaxNameLen+1), false},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		if tt.ok && err != nil {
			t.Errorf("ValidateName(%q) = %v, want nil", tt.name, err)
		}
		if !tt.ok {
			if err == nil {
				t.Errorf("ValidateName(%q) = nil, want error", tt.name)
			} else if !errors.Is(err, errdefs.ErrInvalid) {
				t.Errorf("ValidateName(%q) = %v, want ErrInvalid", tt.name, err)
			}
		}
	}
}

func TestMatchMask(t *testing.T) {
	tests := []struct {
		mask, name string
		want       bool
	}{
		{"*", "web1", true},
		{"*", "", true},
		{"web*", "web1", true},
		{"web*", "web", true},
		{"web*", "db1", false},
		{"web*", "Web1", false},
		{"*1", "web1", true},
		{"*1", "web2", false},
		{"w*b*1", "web1", true},
		{"w*b*1", "wb1", true},
		{"w*b*1", "web2", false},
		{"w*b*1", "wex1", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"web1", "web1", true},
		{"web1", "web10", false},
		{"web1", "Web1", false},
		{"db*", "web1", false},
		{"*eb*", "web1", true},
	}
	for _, tt := range tests {
		if got := MatchMask(tt.mask, tt.name); got != tt.want {
			t.Errorf("MatchMask(%q, %q) = %v, want %v", tt.mask, tt.name, got, tt.want)
		}
	}
}

func TestIsMask(t *testing.T) {
	if !IsMask("w*") || IsMask("web1") {
		t.Errorf("IsMask: got %v, %v", IsMask("w*"), IsMask("web1"))
	}
}

func TestEnvSet(t *testing.T) {
	e := New("web1")
	e.Set("ip4_addr", "")
	if got := e.Get("ip4_addr"); got != "0" {
		t.Errorf(`Set("ip4_addr", "") stored %q, want "0"`, got)
	}
	e.Set("name", "")
	if got := e.Get("name"); got != "" {
		t.Errorf(`Set("name", "") stored %q, want ""`, got)
	}
	e.Set("custom", "v")
	if !e.Has("custom") || e.Get("custom") != "v" {
		t.Errorf("custom = %q (has %v), want v", e.Get("custom"), e.Has("custom"))
	}
	if e.Has("nosuch") || e.Get("nosuch") != "" {
		t.Errorf("nosuch present")
	}
}

func TestNewDefaults(t *testing.T) {
	e := New("web1")
	if e.Name() != "web1" {
		t.Errorf("Name = %q", e.Name())
	}
	for _, c := range Columns {
		if c.Name == "jname" {
			continue
		}
		if got := e.Get(c.Name); got != c.Default {
			t.Errorf("%s = %q, want default %q", c.Name, got, c.Default)
		}
	}
	if e.Emulator() != "jail" || e.Int("stop_timeout") != 10 {
		t.Errorf("Emulator = %q, stop_timeout = %d", e.Emulator(), e.Int("stop_timeout"))
	}
}

func TestEnvBoolIntIsSet(t *testing.T) {
	tests := []struct {
		v     string
		b     bool
		i     int
		isSet bool
	}{
		{"1", true, 1, true},
		{"yes", true, 0, true},
		{"YES", true, 0, true},
		{"true", true, 0, true},
		{" on ", true, 0, true},
		{"0", false, 0, false},
		{"no", false, 0, true},
		{"2", false, 2, true},
		{" 42 ", false, 42, true},
		{"-3", false, -3, true},
		{"x", false, 0, true},
		{" ", false, 0, false},
	}
	for _, tt := range tests {
		e := FromRow(map[string]string{"k": tt.v})
		if got := e.Bool("k"); got != tt.b {
			t.Errorf("Bool(%q) = %v, want %v", tt.v, got, tt.b)
		}
		if got := e.Int("k"); got != tt.i {
			t.Errorf("Int(%q) = %d, want %d", tt.v, got, tt.i)
		}
		if got := e.IsSet("k"); got != tt.isSet {
			t.Errorf("IsSet(%q) = %v, want %v", tt.v, got, tt.isSet)
		}
	}
	e := FromRow(map[string]string{})
	if e.Bool("k") || e.Int("k") != 0 || e.IsSet("k") {
		t.Errorf("missing key: Bool %v Int %d IsSet %v", e.Bool("k"), e.Int("k"), e.IsSet("k"))
	}
}

func TestStatusName(t *testing.T) {
	tests := map[int]string{
		StatusOff: "Off", StatusOn: "On", StatusSlave: "Slave",
		StatusMaintenance: "Maintenance", 4: "Unknown", -1: "Unknown",
	}
	for s, want := range tests {
		if got := StatusName(s); got != want {
			t.Errorf("StatusName(%d) = %q, want %q", s, got, want)
		}
	}
}

func TestStatusValue(t *testing.T) {
	tests := map[string]string{"off": "0", "on": "1", "slave": "2", "maintenance": "3", "7": "7", "On": "On"}
	for in, want := range tests {
		if got := StatusValue(in); got != want {
			t.Errorf("StatusValue(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	e := New("web1")
	c := e.Clone()
	c.Set("path", "/x")
	if e.Get("path") == "/x" {
		t.Error("Clone shares the map with the original")
	}
	m := e.Map()
	m["path"] = "/y"
	if e.Get("path") == "/y" {
		t.Error("Map returns the internal map")
	}
}
