package bhyve

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// nics reads the comma-separated NIC lists.
func nics(e *env.Env, p Paths) ([]NIC, error) {
	parents := e.Get("nic_parent")
	if parents == "0" || parents == "" || parents == "disable" {
		return nil, nil
	}
	list := strings.Split(parents, ",")
	macs := splitList(e.Get("nic_hwaddr"))
	drivers := splitList(e.Get("nic_driver"))
	if len(macs) > len(list) {
		return nil, fmt.Errorf("nic_hwaddr=%q: more MACs than NICs in nic_parent=%q: %w", e.Get("nic_hwaddr"), parents, errdefs.ErrInvalid)
	}
	if len(drivers) > 1 && len(drivers) != len(list) {
		return nil, fmt.Errorf("nic_driver=%q: want one driver or one per NIC: %w", e.Get("nic_driver"), errdefs.ErrInvalid)
	}
	var out []NIC
	for i, br := range list {
		br = strings.TrimSpace(br)
		switch br {
		case "":
			return nil, fmt.Errorf("nic_parent=%q: empty entry %d: %w", parents, i, errdefs.ErrInvalid)
		case "auto":
			br = or(p.AutoBridge, DefaultBridge)
		case "0", "disable":
			return nil, fmt.Errorf("nic_parent=%q: %q only as the whole value (no NIC): %w", parents, br, errdefs.ErrInvalid)
		}
		if strings.ContainsAny(br, " \t/") {
			return nil, fmt.Errorf("nic_parent=%q: %q is not an interface name: %w", parents, br, errdefs.ErrInvalid)
		}
		n := NIC{Bridge: br, Driver: "virtio-net", MAC: DefaultMAC(e.Name(), i)}
		if i < len(macs) && macs[i] != "0" && macs[i] != "" {
			m, err := NormalizeMAC(macs[i])
			if err != nil {
				return nil, fmt.Errorf("nic_hwaddr=%q: %v: %w", e.Get("nic_hwaddr"), err, errdefs.ErrInvalid)
			}
			n.MAC = m
		}
		d := "vtnet"
		if len(drivers) == 1 {
			d = drivers[0]
		} else if len(drivers) > 1 {
			d = drivers[i]
		}
		switch d {
		case "vtnet", "virtio-net", "0":
		case "e1000":
			n.Driver = "e1000"
		default:
			return nil, fmt.Errorf("nic_driver=%q: want vtnet or e1000: %w", e.Get("nic_driver"), errdefs.ErrInvalid)
		}
		out = append(out, n)
	}
	return out, nil
}

// DefaultMAC is the MAC of NIC n when nic_hwaddr gives none: CBSD's
// 00:a0:98 prefix and three bytes from a hash of the name and position.
func DefaultMAC(name string, n int) string {
	h := hash(name + "-nic" + strconv.Itoa(n))
	return fmt.Sprintf("00:a0:98:%02x:%02x:%02x", byte(h>>16), byte(h>>8), byte(h))
}

// NormalizeMAC accepts a MAC with or without colons (CBSD's
// normalize_nic_hwaddr) and returns it in lower case with colons.
func NormalizeMAC(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 12 && !strings.ContainsAny(s, ":-") {
		var b strings.Builder
		for i := 0; i < 12; i += 2 {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(s[i : i+2])
		}
		s = b.String()
	}
	hw, err := net.ParseMAC(s)
	if err != nil || len(hw) != 6 {
		return "", fmt.Errorf("%q is not a MAC address", s)
	}
	return hw.String(), nil
}
