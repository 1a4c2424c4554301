package network

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Pool is a set of IPv4 ranges (CBSD's nodeippool: comma or space separated
// CIDRs such as 10.0.0.0/24, or ranges such as 10.0.0.10-200).
type Pool struct {
	ranges []ipRange
	// Prefix is the netmask length used for allocated addresses.
	Prefix int
}

type ipRange struct{ first, last netip.Addr }

// ParsePool parses a nodeippool value.
func ParsePool(s string) (*Pool, error) {
	p := &Pool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if pre, err := netip.ParsePrefix(f); err == nil {
			pre = pre.Masked()
			if !pre.Addr().Is4() || pre.Bits() > 30 {
				return nil, fmt.Errorf("pool %q: need an IPv4 network of /30 or larger: %w", f, errdefs.ErrInvalid)
			}
			first := pre.Addr().Next()
			last := lastAddr(pre).Prev() // skip broadcast
			p.ranges = append(p.ranges, ipRange{first, last})
			if p.Prefix == 0 {
				p.Prefix = pre.Bits()
			}
			continue
		}
		if i := strings.LastIndexByte(f, '-'); i > 0 {
			first, err := netip.ParseAddr(f[:i])
			if err != nil || !first.Is4() {
				return nil, fmt.Errorf("pool range %q: %w", f, errdefs.ErrInvalid)
			}
			tail := f[i+1:]
			var last netip.Addr
			if strings.Contains(tail, ".") {
				last, err = netip.ParseAddr(tail)
			} else {
				b := first.As4()
				var n int
				if n, err = strconv.Atoi(tail); err == nil && n >= 0 && n <= 255 {
					b[3] = byte(n)
					last = netip.AddrFrom4(b)
				} else if err == nil {
					err = fmt.Errorf("bad octet")
				}
			}
			if err != nil || !last.Is4() || last.Less(first) {
				return nil, fmt.Errorf("pool range %q: %w", f, errdefs.ErrInvalid)
			}
			p.ranges = append(p.ranges, ipRange{first, last})
			if p.Prefix == 0 {
				p.Prefix = 24
			}
			continue
		}
		return nil, fmt.Errorf("pool entry %q is neither a CIDR nor a range: %w", f, errdefs.ErrInvalid)
	}
	if len(p.ranges) == 0 {
		return nil, fmt.Errorf("empty ip pool: %w", errdefs.ErrInvalid)
	}
	return p, nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// Gateway is the first address of the pool: the bridge's own address.
func (p *Pool) Gateway() netip.Addr { return p.ranges[0].first }

// Allocate returns the lowest address of the pool that is not the gateway
// and not in used. It fails with ErrBusy when the pool is exhausted.
func (p *Pool) Allocate(used map[netip.Addr]bool) (netip.Addr, error) {
	gw := p.Gateway()
	for _, r := range p.ranges {
		for a := r.first; a.IsValid() && a.Compare(r.last) <= 0; a = a.Next() {
			if a == gw || used[a] {
				continue
			}
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("ip pool exhausted: %w", errdefs.ErrBusy)
}

// ParseAddrs parses an ip4_addr value: comma separated addresses with an
// optional /prefix and an optional "nic|" pin; special words (DHCP, 0,
// REALDHCP) yield no addresses. defPrefix applies when none is given.
func ParseAddrs(s string, defPrefix int) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if i := strings.IndexByte(f, '|'); i >= 0 {
			f = f[i+1:]
		}
		switch strings.ToUpper(f) {
		case "", "0", "DHCP", "DHCPV6", "REALDHCP":
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("ip4_addr %q: %w", f, errdefs.ErrInvalid)
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("ip4_addr %q: %w", f, errdefs.ErrInvalid)
		}
		bits := defPrefix
		if a.Is6() {
			bits = 64
		}
		out = append(out, netip.PrefixFrom(a, bits))
	}
	return out, nil
}

// UsedAddrs collects the addresses named by a list of ip4_addr values.
func UsedAddrs(values []string) map[netip.Addr]bool {
	used := map[netip.Addr]bool{}
	for _, v := range values {
		ps, err := ParseAddrs(v, 24)
		if err != nil {
			continue
		}
		for _, p := range ps {
			used[p.Addr()] = true
		}
	}
	return used
}

// HasDHCP reports whether an ip4_addr value asks for pool allocation
// ("DHCP", or "nic|DHCP" with a pinned NIC).
func HasDHCP(v string) bool {
	for _, f := range strings.Split(v, ",") {
		if IsDHCPWord(f) {
			return true
		}
	}
	return false
}

// IsDHCPWord reports whether one ip4_addr element is DHCP (pin allowed).
func IsDHCPWord(f string) bool {
	f = strings.TrimSpace(f)
	if i := strings.IndexByte(f, '|'); i >= 0 {
		f = f[i+1:]
	}
	return strings.EqualFold(f, "DHCP")
}
