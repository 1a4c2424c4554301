package bhyve

import (
	"fmt"
	"hash/fnv"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Platform defaults.
const (
	// DefaultFirmware is the UEFI firmware of the sysutils/edk2 port
	// (bhyve flavour), used for vm_efi=uefi when efi_firmware is 0.
	DefaultFirmware = "/usr/local/share/uefi-firmware/BHYVE_UEFI.fd"
	// DefaultFirmwareCSM is the firmware with a BIOS compatibility module
	// (sysutils/uefi-edk2-bhyve-csm), used for vm_efi=uefi_csm.
	DefaultFirmwareCSM = "/usr/local/share/uefi-firmware/BHYVE_UEFI_CSM.fd"
	// DefaultBridge is the bridge of nic_parent=auto.
	DefaultBridge = "bridge0"
	// DefaultSectorSize is CBSD's dsk_sectorsize default.
	DefaultSectorSize = 512
)

// Paths are what FromEnv needs beyond the settings: locations in the
// workdir and choices the caller makes by looking at the host.
type Paths struct {
	Data  string   // jails-data/<J>-data: disk paths that are not absolute are under it
	Disks []string // the VM's disk images in bus order (dsk1.vhd, dsk2.vhd, ...)
	// ISO is vm_iso_path resolved to a file (a registered media name, say);
	// "" takes vm_iso_path itself when it is an absolute path.
	ISO string
	// EFIVars is the VM's UEFI variables file (jails-system/<J>/BHYVE_UEFI_VARS.fd)
	// when it exists; "" passes none.
	EFIVars     string
	Firmware    string // efi_firmware=0 with vm_efi=uefi ("" = DefaultFirmware)
	FirmwareCSM string // vm_efi=uefi_csm ("" = DefaultFirmwareCSM)
	AutoBridge  string // nic_parent=auto ("" = DefaultBridge)
	// VNCPort is the port for vm_vnc_port=0 when the caller picked a free
	// one; 0 derives it from the name (AutoVNCPort).
	VNCPort int
}

var uuidRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// FromEnv builds a VM from CBSD's bhyve settings. nic_parent, nic_hwaddr
// and nic_driver are comma-separated lists with one entry per NIC (a single
// nic_driver applies to every NIC); a NIC without a MAC gets one derived
// from the VM name and its position (DefaultMAC), so it is stable across
// starts without the inventory being written. Bad values are errors that
// wrap errdefs.ErrInvalid.
func FromEnv(e *env.Env, p Paths) (*VM, error) {
	name := e.Name()
	if err := env.ValidateName(name); err != nil {
		return nil, err
	}
	bad := func(k, want string) error {
		return fmt.Errorf("%s=%q: %s: %w", k, e.Get(k), want, errdefs.ErrInvalid)
	}
	v := &VM{Name: name, Binary: e.Get("bhyve_cmd"), Console: ConsoleA(name)}
	if !filepath.IsAbs(v.Binary) {
		return nil, bad("bhyve_cmd", "want an absolute path")
	}
	if f := e.Get("bhyve_flags"); f != "0" {
		v.ExtraFlags = strings.Fields(f)
	}
	cpus, err := strconv.Atoi(e.Get("vm_cpus"))
	if err != nil || cpus < 1 {
		return nil, bad("vm_cpus", "want a number of CPUs from 1")
	}
	v.CPUs = cpus
	if v.RAM, err = ParseSize(e.Get("vm_ram")); err != nil || v.RAM < 16<<20 {
		return nil, bad("vm_ram", "want bytes or a size such as 512m or 2g, at least 16m")
	}
	flags := []struct {
		key string
		dst *bool
		on  string
	}{{"bhyve_generate_acpi", &v.ACPI, "1"}, {"bhyve_wire_memory", &v.WireMemory, "1"},
		{"bhyve_rts_keeps_utc", &v.RTCUTC, "1"}, {"bhyve_force_msi_irq", &v.ForceMSI, "1"},
		{"bhyve_x2apic_mode", &v.X2APIC, "1"}, {"bhyve_mptable_gen", &v.NoMPTable, "0"},
		{"bhyve_ignore_msr_acc", &v.IgnoreMSR, "1"}}
	for _, f := range flags {
		switch e.Get(f.key) {
		case "0", "1":
			*f.dst = e.Get(f.key) == f.on
		default:
			return nil, bad(f.key, "want 0 or 1")
		}
	}
	if u := e.Get("uuid"); u != "0" && u != "" {
		if !uuidRE().MatchString(u) {
			return nil, bad("uuid", "want 0 or a UUID such as 5f9e0f1c-6a63-4d3e-9b1e-0c4a7d2b9e10")
		}
		v.UUID = u
	}
	switch v.Hostbridge = e.Get("vm_hostbridge"); v.Hostbridge {
	case "hostbridge", "amd_hostbridge":
	default:
		return nil, bad("vm_hostbridge", "want hostbridge or amd_hostbridge")
	}
	ctrl := e.Get("virtio_type")
	switch ctrl {
	case "virtio-blk", "ahci-hd", "nvme":
	default:
		return nil, bad("virtio_type", "want virtio-blk, ahci-hd or nvme")
	}
	for _, d := range p.Disks {
		if !filepath.IsAbs(d) {
			d = filepath.Join(p.Data, d)
		}
		if strings.Contains(d, ",") {
			return nil, fmt.Errorf("disk %q: a comma cannot be passed to bhyve: %w", d, errdefs.ErrInvalid)
		}
		v.Disks = append(v.Disks, Disk{Path: d, Controller: ctrl, SectorSize: DefaultSectorSize})
	}
	if v.ISO, err = iso(e, p); err != nil {
		return nil, err
	}
	switch e.Get("vm_boot") {
	case "hdd":
	case "cd":
		if v.ISO == "" {
			return nil, fmt.Errorf("vm_boot=cd without vm_iso_path: %w", errdefs.ErrInvalid)
		}
		v.BootCD = true
	default:
		return nil, bad("vm_boot", "want hdd or cd")
	}
	efi := e.Get("vm_efi")
	switch efi {
	case "none", "0", "":
		efi = "none"
	case "uefi":
		v.Bootrom = or(p.Firmware, DefaultFirmware)
		if f := e.Get("efi_firmware"); f != "0" && f != "" {
			v.Bootrom = f
		}
		v.BootVars = p.EFIVars
	case "uefi_csm":
		v.Bootrom, v.BootVars = or(p.FirmwareCSM, DefaultFirmwareCSM), p.EFIVars
	default:
		return nil, bad("vm_efi", "want none, uefi or uefi_csm")
	}
	if strings.Contains(v.Bootrom+v.BootVars, ",") {
		return nil, bad("efi_firmware", "a comma cannot be passed to bhyve")
	}
	if v.NICs, err = nics(e, p); err != nil {
		return nil, err
	}
	if v.VNC, err = vnc(e, p, efi != "none"); err != nil {
		return nil, err
	}
	if v.VNC.Port != 0 && efi != "none" {
		// bhyverun.sh adds the USB tablet only to UEFI guests with VNC.
		v.XHCI, v.Tablet = e.Bool("xhci"), e.Bool("tablet")
	}
	if n := v.slots(); n > slotXHCI-slotFirstFree {
		return nil, fmt.Errorf("%d PCI devices do not fit in slots %d-%d: %w", n, slotFirstFree, slotXHCI-1, errdefs.ErrInvalid)
	}
	return v, nil
}

// slots counts the devices that take a slot from slotFirstFree.
func (v *VM) slots() int {
	n := len(v.Disks) + len(v.NICs)
	if v.ISO != "" {
		n++
	}
	if v.VNC.Port != 0 {
		n++
	}
	return n
}

func iso(e *env.Env, p Paths) (string, error) {
	path := p.ISO
	if path == "" {
		switch s := e.Get("vm_iso_path"); {
		case s == "0" || s == "":
			return "", nil
		case !filepath.IsAbs(s):
			return "", fmt.Errorf("vm_iso_path=%q: not a file path and not resolved: %w", s, errdefs.ErrInvalid)
		default:
			path = s
		}
	}
	if strings.Contains(path, ",") {
		return "", fmt.Errorf("vm_iso_path=%q: a comma cannot be passed to bhyve: %w", path, errdefs.ErrInvalid)
	}
	return path, nil
}

func splitList(s string) []string {
	if s == "0" || s == "" {
		return nil
	}
	out := strings.Split(s, ",")
	for i := range out {
		out[i] = strings.TrimSpace(out[i])
	}
	return out
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
