// Package cloudinit writes cloud-init NoCloud seeds: an ISO9660 image with
// the volume label "cidata" holding meta-data, user-data and
// network-config, attached to a VM as a CD-ROM. The image is written in Go
// (github.com/kdomanski/iso9660), no genisoimage needed.
package cloudinit

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/cbsdgo/cbsd/internal/workdir"
	"github.com/kdomanski/iso9660"
)

// Seed is what a VM learns at first boot.
type Seed struct {
	InstanceID  string
	Hostname    string
	PubKeys     []string // authorized for root and the default user
	IP4         string   // address/prefix, "" = DHCP
	GW4         string
	Nameservers []string
	MAC         string // the NIC the address goes to ("" = the first one)
}

// Files renders the seed's three files.
func (s Seed) Files() (map[string][]byte, error) {
	meta := fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", s.InstanceID, s.Hostname)
	var u strings.Builder
	u.WriteString("#cloud-config\n")
	fmt.Fprintf(&u, "hostname: %s\n", s.Hostname)
	if len(s.PubKeys) > 0 {
		u.WriteString("disable_root: false\nssh_authorized_keys:\n")
		for _, k := range s.PubKeys {
			fmt.Fprintf(&u, "  - %s\n", yamlQuote(k))
		}
	}
	var n strings.Builder
	n.WriteString("version: 2\nethernets:\n  eth0:\n")
	if s.MAC != "" {
		fmt.Fprintf(&n, "    match:\n      macaddress: %s\n    set-name: eth0\n", yamlQuote(s.MAC))
	} else {
		n.WriteString("    match:\n      name: \"e*\"\n")
	}
	if s.IP4 == "" {
		n.WriteString("    dhcp4: true\n")
	} else {
		if _, err := netip.ParsePrefix(s.IP4); err != nil {
			return nil, fmt.Errorf("ci_ip4_addr=%q: want address/prefix", s.IP4)
		}
		fmt.Fprintf(&n, "    addresses: [%s]\n", s.IP4)
		if s.GW4 != "" {
			if _, err := netip.ParseAddr(s.GW4); err != nil {
				return nil, fmt.Errorf("ci_gw4=%q: want an address", s.GW4)
			}
			fmt.Fprintf(&n, "    gateway4: %s\n", s.GW4)
		}
		if len(s.Nameservers) > 0 {
			fmt.Fprintf(&n, "    nameservers:\n      addresses: [%s]\n", strings.Join(s.Nameservers, ", "))
		}
	}
	return map[string][]byte{"meta-data": []byte(meta), "user-data": []byte(u.String()), "network-config": []byte(n.String())}, nil
}

func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// Write writes the seed ISO to path (atomically).
func (s Seed) Write(path string) error {
	files, err := s.Files()
	if err != nil {
		return err
	}
	w, err := iso9660.NewWriter()
	if err != nil {
		return err
	}
	defer w.Cleanup()
	for _, name := range []string{"meta-data", "user-data", "network-config"} {
		if err := w.AddFile(bytes.NewReader(files[name]), name); err != nil {
			return err
		}
	}
	var img bytes.Buffer
	if err := w.WriteTo(&img, "cidata"); err != nil {
		return err
	}
	return workdir.WriteFileAtomic(path, img.Bytes(), 0o644)
}
