package network

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestParsePool(t *testing.T) {
	tests := []struct {
		in      string
		gw      string
		prefix  string // first allocatable address
		bits    int
		in1     []string // inside
		out     []string // outside
		wantErr bool
	}{
		{in: "10.0.0.0/24", gw: "10.0.0.1", prefix: "10.0.0.2", bits: 24,
			in1: []string{"10.0.0.1", "10.0.0.254"}, out: []string{"10.0.0.0", "10.0.0.255", "10.0.1.1"}},
		{in: "10.0.0.77/24", gw: "10.0.0.1", prefix: "10.0.0.2", bits: 24}, // masked
		{in: "192.168.8.0/30", gw: "192.168.8.1", prefix: "192.168.8.2", bits: 30,
			in1: []string{"192.168.8.1", "192.168.8.2"}, out: []string{"192.168.8.0", "192.168.8.3"}},
		{in: "10.0.0.10-200", gw: "10.0.0.10", prefix: "10.0.0.11", bits: 24,
			in1: []string{"10.0.0.10", "10.0.0.200"}, out: []string{"10.0.0.9", "10.0.0.201"}},
		{in: "10.0.0.250-10.0.1.5", gw: "10.0.0.250", prefix: "10.0.0.251", bits: 24,
			in1: []string{"10.0.0.255", "10.0.1.0", "10.0.1.5"}, out: []string{"10.0.1.6"}},
		{in: "10.0.0.5-5", gw: "10.0.0.5", bits: 24},
		{in: "10.0.0.0/29,10.0.1.0/24", gw: "10.0.0.1", prefix: "10.0.0.2", bits: 29,
			in1: []string{"10.0.0.6", "10.0.1.1", "10.0.1.254"}, out: []string{"10.0.0.7", "10.0.0.8"}},
		{in: " 10.0.0.1-3 \t10.0.2.0/24 ", gw: "10.0.0.1", prefix: "10.0.0.2", bits: 24,
			in1: []string{"10.0.0.3", "10.0.2.9"}, out: []string{"10.0.0.4"}},
		{in: "", wantErr: true},
		{in: " , ", wantErr: true},
		{in: "foo", wantErr: true},
		{in: "10.0.0.0/31", wantErr: true},
		{in: "10.0.0.1/32", wantErr: true},
		{in: "fd00::/64", wantErr: true},
		{in: "10.0.0.0/24,bad", wantErr: true},
		{in: "10.0.0.300-5", wantErr: true},
		{in: "10.0.0.10-5", wantErr: true},
		{in: "10.0.0.10-256", wantErr: true},
		{in: "10.0.0.10-", wantErr: true},
		{in: "10.0.0.10-x", wantErr: true},
		{in: "10.0.1.10-10.0.0.20", wantErr: true},
		{in: "10.0.0.10-10.0.0.x", wantErr: true},
		{in: "fd00::1-5", wantErr: true},
		{in: "-5", wantErr: true},
	}
	for _, tt := range tests {
		p, err := ParsePool(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParsePool(%q): no error", tt.in)
			} else if !errors.Is(err, errdefs.ErrInvalid) {
				t.Errorf("ParsePool(%q) = %v, want ErrInvalid", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParsePool(%q): %v", tt.in, err)
			continue
		}
		if got := p.Gateway(); got != addr(tt.gw) {
			t.Errorf("ParsePool(%q).Gateway() = %s, want %s", tt.in, got, tt.gw)
		}
		if p.Prefix != tt.bits {
			t.Errorf("ParsePool(%q).Prefix = %d, want %d", tt.in, p.Prefix, tt.bits)
		}
		if tt.prefix != "" {
			a, err := p.Allocate(nil)
			if err != nil || a != addr(tt.prefix) {
				t.Errorf("ParsePool(%q).Allocate(nil) = %s, %v; want %s", tt.in, a, err, tt.prefix)
			}
		}
		for _, s := range tt.in1 {
			if !contains(p, addr(s)) {
				t.Errorf("ParsePool(%q).Contains(%s) = false", tt.in, s)
			}
		}
		for _, s := range tt.out {
			if contains(p, addr(s)) {
				t.Errorf("ParsePool(%q).Contains(%s) = true", tt.in, s)
			}
		}
	}
}

func TestAllocate(t *testing.T) {
	p, err := ParsePool("10.0.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	used := map[netip.Addr]bool{addr("10.0.0.2"): true, addr("10.0.0.3"): true, addr("10.0.0.5"): true}
	a, err := p.Allocate(used)
	if err != nil || a != addr("10.0.0.4") {
		t.Fatalf("Allocate = %s, %v; want 10.0.0.4", a, err)
	}
	used[a] = true
	a, err = p.Allocate(used)
	if err != nil || a != addr("10.0.0.6") {
		t.Fatalf("Allocate = %s, %v; want 10.0.0.6", a, err)
	}

	// Second range is used once the first is full.
	p, err = ParsePool("10.0.0.1-2,10.0.5.7-8")
	if err != nil {
		t.Fatal(err)
	}
	a, err = p.Allocate(map[netip.Addr]bool{addr("10.0.0.2"): true})
	if err != nil || a != addr("10.0.5.7") {
		t.Fatalf("Allocate over ranges = %s, %v; want 10.0.5.7", a, err)
	}
}

func TestAllocateExhausted(t *testing.T) {
	p, err := ParsePool("10.9.9.0/30")
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.Allocate(nil)
	if err != nil || a != addr("10.9.9.2") {
		t.Fatalf("Allocate = %s, %v; want 10.9.9.2", a, err)
	}
	_, err = p.Allocate(map[netip.Addr]bool{a: true})
	if !errors.Is(err, errdefs.ErrBusy) {
		t.Fatalf("Allocate on a full /30 = %v, want ErrBusy", err)
	}
	// A single-address pool has only the gateway.
	p, err = ParsePool("10.0.0.5-5")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Allocate(nil); !errors.Is(err, errdefs.ErrBusy) {
		t.Fatalf("Allocate from a gateway-only pool = %v, want ErrBusy", err)
	}
}

func TestParseAddrs(t *testing.T) {
	tests := []struct {
		in      string
		def     int
		want    []string
		wantErr bool
	}{
		{in: "", def: 24},
		{in: "0", def: 24},
		{in: "DHCP", def: 24},
		{in: "dhcp", def: 24},
		{in: "REALDHCP", def: 24},
		{in: "DHCPv6", def: 24},
		{in: "10.0.0.5", def: 24, want: []string{"10.0.0.5/24"}},
		{in: "10.0.0.5", def: 16, want: []string{"10.0.0.5/16"}},
		{in: "10.0.0.5/28", def: 24, want: []string{"10.0.0.5/28"}},
		{in: "eth0|10.0.0.5/16", def: 24, want: []string{"10.0.0.5/16"}},
		{in: "br0|10.0.0.6", def: 24, want: []string{"10.0.0.6/24"}},
		{in: "DHCP, 10.0.0.7 ,10.1.0.1/8", def: 24, want: []string{"10.0.0.7/24", "10.1.0.1/8"}},
		{in: "fd00::5", def: 24, want: []string{"fd00::5/64"}},
		{in: "fd00::5/120", def: 24, want: []string{"fd00::5/120"}},
		{in: "10.0.0.300", def: 24, wantErr: true},
		{in: "10.0.0.1/40", def: 24, wantErr: true},
		{in: "web1", def: 24, wantErr: true},
		{in: "DHCP,bad", def: 24, wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseAddrs(tt.in, tt.def)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseAddrs(%q): no error, got %v", tt.in, got)
			} else if !errors.Is(err, errdefs.ErrInvalid) {
				t.Errorf("ParseAddrs(%q) = %v, want ErrInvalid", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseAddrs(%q): %v", tt.in, err)
			continue
		}
		var gs []string
		for _, p := range got {
			gs = append(gs, p.String())
		}
		if !reflect.DeepEqual(gs, tt.want) {
			t.Errorf("ParseAddrs(%q, %d) = %q, want %q", tt.in, tt.def, gs, tt.want)
		}
	}
}

func TestUsedAddrs(t *testing.T) {
	got := UsedAddrs([]string{"DHCP", "10.0.0.2/24", "eth0|10.0.0.3,10.0.0.4/16", "garbage", "0", "10.0.0.2"})
	want := map[netip.Addr]bool{addr("10.0.0.2"): true, addr("10.0.0.3"): true, addr("10.0.0.4"): true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UsedAddrs = %v, want %v", got, want)
	}
	if got := UsedAddrs(nil); len(got) != 0 {
		t.Errorf("UsedAddrs(nil) = %v", got)
	}
}

func TestHasDHCP(t *testing.T) {
	tests := map[string]bool{
		"DHCP":              true,
		"dhcp":              true,
		" DHCP ":            true,
		"10.0.0.2,DHCP":     true,
		"REALDHCP":          false,
		"DHCPv6":            false,
		"0":                 false,
		"":                  false,
		"10.0.0.2/24":       false,
		"10.0.0.2,REALDHCP": false,
	}
	for in, want := range tests {
		if got := HasDHCP(in); got != want {
			t.Errorf("HasDHCP(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestParsePoolStrict(t *testing.T) {
	for _, bad := range []string{"10.0.0.10-20x", "10.0.0.10-::ffff:10.0.0.20", "10.0.0.10-300"} {
		if _, err := ParsePool(bad); err == nil {
			t.Errorf("ParsePool(%q) accepted", bad)
		}
	}
}

func TestPinnedDHCP(t *testing.T) {
	if !HasDHCP("eth0|DHCP") || !IsDHCPWord(" eth0|dhcp ") || IsDHCPWord("10.0.0.2") {
		t.Fatal("pinned DHCP not recognised")
	}
}

// contains reports whether a is inside the pool.
func contains(p *Pool, a netip.Addr) bool {
	for _, r := range p.ranges {
		if r.first.Compare(a) <= 0 && a.Compare(r.last) <= 0 {
			return true
		}
	}
	return false
}
