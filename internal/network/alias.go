package network

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Alias is an address of a jail without its own network stack (vnet=0) on
// a host interface: CBSD's `ifconfig <nic> alias` for ip4_addr.
type Alias struct {
	Link string       `json:"link"`
	Addr netip.Prefix `json:"addr"`
}

// Aliases turns a non-vnet jail's ip4_addr and interface settings into the
// host aliases CBSD would add: none when interface is 0; an address given
// as "nic|addr" goes on that NIC, the others on interface. With "auto" the
// interface a route to the address leads out of takes it (AddAlias looks
// it up when it adds it); linkFor checks here that there is one. Without a
// prefix an address is a /32 (IPv6: /128), as jail(8) adds it.
func Aliases(ip4addr, iface string, linkFor func(netip.Addr) (string, error)) ([]Alias, error) {
	iface = strings.TrimSpace(iface)
	if iface == "" || iface == "0" {
		return nil, nil
	}
	var out []Alias
	for _, f := range strings.Split(ip4addr, ",") {
		f = strings.TrimSpace(f)
		link := iface
		if i := strings.IndexByte(f, '|'); i >= 0 {
			link, f = f[:i], f[i+1:]
		}
		if f == "" || f == "0" || IsDHCPWord(f) {
			continue
		}
		var p netip.Prefix
		if strings.Contains(f, "/") {
			var err error
			if p, err = netip.ParsePrefix(f); err != nil {
				return nil, fmt.Errorf("ip4_addr %q: %w", f, errdefs.ErrInvalid)
			}
		} else {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("ip4_addr %q: %w", f, errdefs.ErrInvalid)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if link == "auto" {
			if _, err := linkFor(p.Addr()); err != nil {
				return nil, fmt.Errorf("interface=auto: no interface for %s: %w", p.Addr(), err)
			}
		}
		out = append(out, Alias{Link: link, Addr: p})
	}
	return out, nil
}
