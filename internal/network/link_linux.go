package network

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"runtime"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// VethConfig describes one environment's NIC.
type VethConfig struct {
	Jname   string
	Bridge  string         // host bridge to attach to
	Pid     int            // a process inside the target network namespace
	Addrs   []netip.Prefix // addresses inside
	Gateway netip.Addr     // default route inside (zero = none)
	MTU     int
}

// HostIfName is the host-side veth name of an environment's NIC n (at most
// 15 characters, derived from a hash of the name; the full "<J>-eth<n>"
// description is set as the link alias, as CBSD names epairs).
func HostIfName(jname string, n int) string {
	h := fnv.New32a()
	h.Write([]byte(jname))
	return fmt.Sprintf("cb%08x.%d", h.Sum32(), n)
}

// EnsureBridge creates the bridge with gw/prefix if missing and brings it up.
func EnsureBridge(name string, gw netip.Prefix) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if !errors.As(err, &nf) {
			return fmt.Errorf("bridge %s: %w", name, err)
		}
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: name}}
		if err := netlink.LinkAdd(br); err != nil && !os.IsExist(err) {
			return fmt.Errorf("create bridge %s: %w", name, err)
		}
		if l, err = netlink.LinkByName(name); err != nil {
			return fmt.Errorf("bridge %s: %w", name, err)
		}
	}
	if gw.IsValid() {
		addrs, err := netlink.AddrList(l, netlink.FAMILY_V4)
		if err != nil {
			return err
		}
		found := false
		for _, a := range addrs {
			if a.IP.Equal(net.IP(gw.Addr().AsSlice())) {
				found = true
			}
		}
		if !found {
			a := &netlink.Addr{IPNet: prefixToIPNet(gw)}
			if err := netlink.AddrAdd(l, a); err != nil && !os.IsExist(err) {
				return fmt.Errorf("address %s on %s: %w", gw, name, err)
			}
		}
	}
	if err := netlink.LinkSetUp(l); err != nil {
		return fmt.Errorf("bring up %s: %w", name, err)
	}
	return nil
}

func prefixToIPNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}

// SetupVeth creates a veth pair, attaches the host end to the bridge and
// moves the other end into the namespace of c.Pid as eth0 with c.Addrs and
// a default route via c.Gateway. On error nothing is left behind.
func SetupVeth(c VethConfig) (err error) {
	host := HostIfName(c.Jname, 0)
	br, err := netlink.LinkByName(c.Bridge)
	if err != nil {
		return fmt.Errorf("bridge %s: %w", c.Bridge, err)
	}
	if old, err := netlink.LinkByName(host); err == nil {
		netlink.LinkDel(old) // stale leftover of a crashed start
	}
	ns, err := netns.GetFromPid(c.Pid)
	if err != nil {
		return fmt.Errorf("netns of pid %d: %w", c.Pid, err)
	}
	defer ns.Close()
	mtu := c.MTU
	if mtu == 0 {
		mtu = br.Attrs().MTU
	}
	veth := &netlink.Veth{
		LinkAttrs:     netlink.LinkAttrs{Name: host, MTU: mtu, MasterIndex: br.Attrs().Index},
		PeerName:      "eth0",
		PeerNamespace: netlink.NsFd(int(ns)),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s: %w", host, err)
	}
	defer func() {
		if err != nil {
			if l, e := netlink.LinkByName(host); e == nil {
				netlink.LinkDel(l)
			}
		}
	}()
	hl, err := netlink.LinkByName(host)
	if err != nil {
		return err
	}
	netlink.LinkSetAlias(hl, c.Jname+"-eth0")
	if err := netlink.LinkSetUp(hl); err != nil {
		return fmt.Errorf("bring up %s: %w", host, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in netns of pid %d: %w", c.Pid, err)
	}
	defer h.Close()
	if lo, err := h.LinkByName("lo"); err == nil {
		h.LinkSetUp(lo)
	}
	in, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("eth0 in netns: %w", err)
	}
	for _, a := range c.Addrs {
		if err := h.AddrAdd(in, &netlink.Addr{IPNet: prefixToIPNet(a)}); err != nil {
			return fmt.Errorf("address %s: %w", a, err)
		}
	}
	if err := h.LinkSetUp(in); err != nil {
		return fmt.Errorf("bring up eth0: %w", err)
	}
	if c.Gateway.IsValid() {
		r := &netlink.Route{LinkIndex: in.Attrs().Index, Gw: net.IP(c.Gateway.AsSlice())}
		if err := h.RouteAdd(r); err != nil {
			return fmt.Errorf("default route via %s: %w", c.Gateway, err)
		}
	}
	runtime.KeepAlive(ns)
	return nil
}

// RemoveVeth deletes an environment's host-side veth if it still exists
// (it normally disappears with the namespace).
func RemoveVeth(jname string) error {
	name := HostIfName(jname, 0)
	if _, err := os.Lstat("/sys/class/net/" + name); errors.Is(err, fs.ErrNotExist) {
		return nil // no such interface: a stat is cheaper than a netlink round trip
	}
	l, err := netlink.LinkByName(name)
	if err != nil {
		return nil
	}
	return netlink.LinkDel(l)
}

// HostAddrs lists the IPv4 networks configured on the host's interfaces.
func HostAddrs() ([]netip.Prefix, error) {
	as, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, a := range as {
		ip, ok := netip.AddrFromSlice(a.IP.To4())
		if !ok {
			continue
		}
		ones, _ := a.Mask.Size()
		out = append(out, netip.PrefixFrom(ip, ones).Masked())
	}
	return out, nil
}

// TapName is the host tap device of a VM's NIC n (at most 15 characters).
func TapName(vm string, n int) string {
	h := fnv.New32a()
	h.Write([]byte(vm))
	return fmt.Sprintf("cbt%08x.%d", h.Sum32(), n)
}

// SetupTap creates a persistent tap device attached to bridge, for QEMU to
// open by name; the link alias is "<vm>-nic<n>".
func SetupTap(name, bridge, alias string) error {
	br, err := netlink.LinkByName(bridge)
	if err != nil {
		return fmt.Errorf("bridge %s: %w", bridge, err)
	}
	if old, err := netlink.LinkByName(name); err == nil {
		netlink.LinkDel(old) // left by a crash
	}
	tap := &netlink.Tuntap{LinkAttrs: netlink.LinkAttrs{Name: name}, Mode: netlink.TUNTAP_MODE_TAP,
		Flags: netlink.TUNTAP_NO_PI | netlink.TUNTAP_ONE_QUEUE}
	if err := netlink.LinkAdd(tap); err != nil {
		return fmt.Errorf("create tap %s: %w", name, err)
	}
	for _, f := range tap.Fds {
		f.Close()
	}
	l, err := netlink.LinkByName(name)
	if err == nil {
		netlink.LinkSetAlias(l, alias)
		err = netlink.LinkSetMaster(l, br)
	}
	if err == nil {
		err = netlink.LinkSetUp(l)
	}
	if err != nil {
		RemoveLink(name)
		return fmt.Errorf("tap %s on %s: %w", name, bridge, err)
	}
	return nil
}

// RemoveLink deletes a network interface if it exists.
func RemoveLink(name string) {
	if l, err := netlink.LinkByName(name); err == nil {
		netlink.LinkDel(l)
	}
}

// LinkFor is the host interface a route to a leads out of.
func LinkFor(a netip.Addr) (string, error) {
	routes, err := netlink.RouteGet(net.IP(a.AsSlice()))
	if err != nil {
		return "", err
	}
	if len(routes) == 0 {
		return "", fmt.Errorf("no route to %s", a)
	}
	l, err := netlink.LinkByIndex(routes[0].LinkIndex)
	if err != nil {
		return "", err
	}
	return l.Attrs().Name, nil
}

// AddAlias adds an address to a host interface ("auto": the one a route to
// it leads out of) and returns it with the interface it went on. An
// address the host has already (on any interface) is refused: the jail
// would share it.
func AddAlias(a Alias) (Alias, error) {
	if dev := addrOwner(a.Addr.Addr()); dev != "" {
		return a, fmt.Errorf("%s is already an address of this host (on %s): %w", a.Addr.Addr(), dev, errdefs.ErrExists)
	}
	if a.Link == "auto" {
		l, err := LinkFor(a.Addr.Addr())
		if err != nil {
			return a, fmt.Errorf("interface=auto: no interface for %s: %w", a.Addr.Addr(), err)
		}
		a.Link = l
	}
	l, err := netlink.LinkByName(a.Link)
	if err != nil {
		return a, fmt.Errorf("interface %s: %w", a.Link, err)
	}
	if err := netlink.AddrAdd(l, &netlink.Addr{IPNet: prefixToIPNet(a.Addr)}); err != nil {
		return a, fmt.Errorf("add %s to %s: %w", a.Addr, a.Link, err)
	}
	return a, nil
}

// RemoveAlias takes an address off a host interface (gone already is fine).
func RemoveAlias(a Alias) {
	if l, err := netlink.LinkByName(a.Link); err == nil {
		netlink.AddrDel(l, &netlink.Addr{IPNet: prefixToIPNet(a.Addr)})
	}
}

// addrOwner is the interface that has address a, or "".
func addrOwner(a netip.Addr) string {
	as, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return ""
	}
	for _, x := range as {
		if ip, ok := netip.AddrFromSlice(x.IP); ok && ip.Unmap() == a.Unmap() {
			if l, err := netlink.LinkByIndex(x.LinkIndex); err == nil {
				return l.Attrs().Name
			}
			return "?"
		}
	}
	return ""
}
