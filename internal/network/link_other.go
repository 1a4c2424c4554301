//go:build !linux

package network

import (
	"fmt"
	"net/netip"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// VethConfig describes one environment's NIC.
type VethConfig struct {
	Jname   string
	Bridge  string
	Pid     int
	Addrs   []netip.Prefix
	Gateway netip.Addr
	MTU     int
}

// HostIfName is the host-side interface name of an environment's NIC n.
func HostIfName(jname string, n int) string { return fmt.Sprintf("%s-eth%d", jname, n) }

// EnsureBridge is not supported on this platform.
func EnsureBridge(name string, gw netip.Prefix) error { return errdefs.ErrNotSupported }

// SetupVeth is not supported on this platform.
func SetupVeth(c VethConfig) error { return errdefs.ErrNotSupported }

// RemoveVeth is not supported on this platform.
func RemoveVeth(jname string) error { return nil }

// HostAddrs is not supported on this platform.
func HostAddrs() ([]netip.Prefix, error) { return nil, errdefs.ErrNotSupported }

// TapName is the host tap device of a VM's NIC n.
func TapName(vm string, n int) string { return fmt.Sprintf("%s-nic%d", vm, n) }

// SetupTap is not supported on this platform.
func SetupTap(name, bridge, alias string) error { return errdefs.ErrNotSupported }

// RemoveLink is not supported on this platform.
func RemoveLink(name string) {}

// LinkFor is the host interface a route to a leads out of.
func LinkFor(a netip.Addr) (string, error) { return "", errdefs.ErrNotSupported }

// AddAlias adds an address to a host interface.
func AddAlias(a Alias) (Alias, error) { return a, errdefs.ErrNotSupported }

// RemoveAlias takes an address off a host interface.
func RemoveAlias(a Alias) {}
