package network

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

func TestAliases(t *testing.T) {
	routes := func(a netip.Addr) (string, error) {
		if netip.MustParsePrefix("10.1.0.0/16").Contains(a) {
			return "eth1", nil
		}
		return "", fmt.Errorf("no route to %s", a)
	}
	al := func(link, p string) Alias { return Alias{Link: link, Addr: netip.MustParsePrefix(p)} }
	for _, tt := range []struct {
		ip4, iface string
		want       []Alias
		err        bool
	}{
		{"10.0.0.5", "0", nil, false},
		{"10.0.0.5", "", nil, false},
		{"DHCP", "eth0", nil, false},
		{"0", "eth0", nil, false},
		{"10.0.0.5", "eth0", []Alias{al("eth0", "10.0.0.5/32")}, false},
		{"10.0.0.5/24,2001:db8::5", "eth0", []Alias{al("eth0", "10.0.0.5/24"), al("eth0", "2001:db8::5/128")}, false},
		{"eth2|10.0.0.5,10.1.2.3", "auto", []Alias{al("eth2", "10.0.0.5/32"), al("auto", "10.1.2.3/32")}, false},
		{"10.9.9.9", "auto", nil, true},
		{"10.0.0.500", "eth0", nil, true},
		{"10.0.0.5/40", "eth0", nil, true},
	} {
		got, err := Aliases(tt.ip4, tt.iface, routes)
		if (err != nil) != tt.err {
			t.Errorf("Aliases(%q, %q) error = %v, want error %v", tt.ip4, tt.iface, err, tt.err)
			continue
		}
		if err != nil && tt.iface != "auto" && !errors.Is(err, errdefs.ErrInvalid) {
			t.Errorf("Aliases(%q, %q) = %v, want ErrInvalid", tt.ip4, tt.iface, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Aliases(%q, %q) = %v, want %v", tt.ip4, tt.iface, got, tt.want)
		}
	}
}
