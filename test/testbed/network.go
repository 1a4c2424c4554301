//go:build linux

package testbed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
)

// network is a host bridge that the guests' tap devices join: one L2
// segment 10.240.X.0/24 where node i is .i and the host is .254. X is
// random; the bridge is named after it, so creating the bridge is what
// reserves X against other beds, in this process or another.
type network struct {
	bridge netlink.Link
	octet  int
}

func newNetwork() (*network, error) {
	for _, x := range rand.Perm(250) {
		x++
		n := &network{octet: x}
		if n.clashes() {
			continue
		}
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.bridgeName()}}
		if err := netlink.LinkAdd(br); errors.Is(err, syscall.EEXIST) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("create bridge %s: %w", br.Name, err)
		}
		n.bridge = br
		addr := &netlink.Addr{IPNet: &net.IPNet{IP: n.HostAddr().AsSlice(), Mask: net.CIDRMask(24, 32)}}
		if err := netlink.AddrAdd(br, addr); err != nil {
			n.close()
			return nil, fmt.Errorf("bridge %s: add %s: %w", br.Name, addr, err)
		}
		if err := netlink.LinkSetUp(br); err != nil {
			n.close()
			return nil, fmt.Errorf("bridge %s: up: %w", br.Name, err)
		}
		return n, nil
	}
	return nil, errors.New("no free 10.240.X.0/24 for a testbed network")
}

// clashes reports whether a host address already lies in the subnet.
func (n *network) clashes() bool {
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return true
	}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP.To4()); ok && n.Subnet().Contains(ip) {
			return true
		}
	}
	return false
}

func (n *network) bridgeName() string { return fmt.Sprintf("cbtb%d", n.octet) }

func (n *network) tapName(i int) string { return fmt.Sprintf("cbtb%dn%d", n.octet, i) }

// Subnet is the guest network.
func (n *network) Subnet() netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 240, byte(n.octet), 0}), 24)
}

// HostAddr is the host's address on the guest network.
func (n *network) HostAddr() netip.Addr { return netip.AddrFrom4([4]byte{10, 240, byte(n.octet), 254}) }

func (n *network) nodeAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 240, byte(n.octet), byte(i)})
}

// nodeMAC is 52:54:00 (QEMU's prefix), then the subnet octet and node.
func (n *network) nodeMAC(i int) string {
	return fmt.Sprintf("52:54:00:f0:%02x:%02x", n.octet, i)
}

// attach waits for QEMU to create tap and puts it on the bridge, up.
func (n *network) attach(ctx context.Context, tap string) error {
	for {
		l, err := netlink.LinkByName(tap)
		if err == nil {
			if err := netlink.LinkSetMaster(l, n.bridge); err != nil {
				return fmt.Errorf("tap %s: join %s: %w", tap, n.bridge.Attrs().Name, err)
			}
			return netlink.LinkSetUp(l)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tap %s: %w", tap, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// detach takes tap off the bridge; the guest keeps its link but reaches
// nobody.
func (n *network) detach(tap string) error {
	l, err := netlink.LinkByName(tap)
	if err != nil {
		return fmt.Errorf("tap %s: %w", tap, err)
	}
	return netlink.LinkSetNoMaster(l)
}

// close deletes the bridge; taps go away with their QEMU.
func (n *network) close() error {
	if err := netlink.LinkDel(n.bridge); err != nil {
		return fmt.Errorf("delete bridge %s: %w", n.bridge.Attrs().Name, err)
	}
	return nil
}
