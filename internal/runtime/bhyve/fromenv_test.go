package bhyve

import (
	"errors"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// TestFromEnvRejects: each bad value is an ErrInvalid naming the setting.
func TestFromEnvRejects(t *testing.T) {
	many := strings.TrimSuffix(strings.Repeat("bridge0,", 27), ",")
	cases := []struct {
		kv   map[string]string
		p    Paths
		want string
	}{
		{map[string]string{"vm_cpus": "0"}, Paths{}, "vm_cpus"},
		{map[string]string{"vm_cpus": "two"}, Paths{}, "vm_cpus"},
		{map[string]string{"vm_ram": "lots"}, Paths{}, "vm_ram"},
		{map[string]string{"vm_ram": "1m"}, Paths{}, "vm_ram"},
		{map[string]string{"vm_boot": "net"}, Paths{}, "vm_boot"},
		{map[string]string{"vm_boot": "cd"}, Paths{}, "vm_boot=cd without vm_iso_path"},
		{map[string]string{"vm_iso_path": "iso-Debian-12"}, Paths{}, "vm_iso_path"},
		{map[string]string{"vm_iso_path": "/iso/a,b.iso"}, Paths{}, "vm_iso_path"},
		{map[string]string{"vm_efi": "bios"}, Paths{}, "vm_efi"},
		{map[string]string{"vm_vnc_port": "70000"}, Paths{}, "vm_vnc_port"},
		{map[string]string{"vm_vnc_port": "-5"}, Paths{}, "vm_vnc_port"},
		{map[string]string{"vm_vnc_port": "5900", "bhyve_vnc_resolution": "1024"}, Paths{}, "bhyve_vnc_resolution"},
		{map[string]string{"vm_vnc_port": "5900", "bhyve_vnc_resolution": "0x768"}, Paths{}, "bhyve_vnc_resolution"},
		{map[string]string{"vm_vnc_port": "5900", "bhyve_vnc_vgaconf": "vga"}, Paths{}, "bhyve_vnc_vgaconf"},
		{map[string]string{"vm_vnc_port": "5900", "bhyve_vnc_tcp_bind": "0"}, Paths{}, "bhyve_vnc_tcp_bind"},
		{map[string]string{"vm_vnc_port": "5900", "vm_efi": "uefi", "vnc_password": "a,b"}, Paths{}, "vnc_password"},
		{map[string]string{"virtio_type": "scsi"}, Paths{}, "virtio_type"},
		{map[string]string{"vm_hostbridge": "pci"}, Paths{}, "vm_hostbridge"},
		{map[string]string{"uuid": "not-a-uuid"}, Paths{}, "uuid"},
		{map[string]string{"bhyve_cmd": "bhyve"}, Paths{}, "bhyve_cmd"},
		{map[string]string{"bhyve_generate_acpi": "yes"}, Paths{}, "bhyve_generate_acpi"},
		{map[string]string{"nic_parent": "bridge0", "nic_hwaddr": "00:zz:98:11:22:33"}, Paths{}, "nic_hwaddr"},
		{map[string]string{"nic_parent": "bridge0", "nic_hwaddr": "00:a0:98:11:22:33,00:a0:98:11:22:34"}, Paths{}, "nic_hwaddr"},
		{map[string]string{"nic_parent": "bridge0,bridge1", "nic_driver": "e1000,vtnet,vtnet"}, Paths{}, "nic_driver"},
		{map[string]string{"nic_parent": "bridge0", "nic_driver": "rtl8139"}, Paths{}, "nic_driver"},
		{map[string]string{"nic_parent": "bridge0,,bridge1"}, Paths{}, "nic_parent"},
		{map[string]string{"nic_parent": "bridge0,disable"}, Paths{}, "nic_parent"},
		{map[string]string{"nic_parent": many}, Paths{}, "PCI devices"},
		{nil, Paths{Disks: []string{"/d/a,b.vhd"}}, "comma"},
	}
	for _, c := range cases {
		_, err := FromEnv(vmEnv("v", c.kv), c.p)
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want ErrInvalid about %s", c.kv, err, c.want)
		}
	}
	if _, err := FromEnv(vmEnv("bad name", nil), Paths{}); !errors.Is(err, errdefs.ErrInvalid) {
		t.Errorf("bad name: %v", err)
	}
}

// TestFromEnvDefaults: the schema defaults make a VM with ACPI, the
// default host bridge, an nmdm console, no NIC, no VNC and no bootrom.
func TestFromEnvDefaults(t *testing.T) {
	v, err := FromEnv(vmEnv("v", nil), Paths{})
	if err != nil {
		t.Fatal(err)
	}
	if !v.ACPI || v.NoMPTable || v.Hostbridge != "hostbridge" || v.CPUs != 1 || v.RAM != 512<<20 ||
		v.Binary != "/usr/sbin/bhyve" || len(v.NICs) != 0 || v.VNC.Port != 0 || v.Bootrom != "" ||
		v.Console != "/dev/nmdm-vA" || v.UUID != "" || v.ExtraFlags != nil {
		t.Fatalf("%+v", v)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"536870912": 512 << 20, "512m": 512 << 20, "1g": 1 << 30, "2048M": 2 << 30, "2GB": 2 << 30, "1t": 1 << 40} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "m", "x", "-1", "0", "99999999999t"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}
