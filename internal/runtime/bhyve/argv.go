package bhyve

import (
	"fmt"
	"strconv"
	"strings"
)

// PCI slots CBSD reserves (subr/bhyve.subr): 0 the host bridge, 1 a rEFInd
// image, 2 the boot device, 3 unused; other devices take the next free
// slot from 4; xhci is pinned at 30 (share/bhyverun.sh) and lpc at 31.
const (
	slotHostbridge = 0
	slotBoot       = 2
	slotFirstFree  = 4
	slotXHCI       = 30
	slotLPC        = 31
)

// Disk is one disk on its own PCI slot.
type Disk struct {
	Path       string `json:"path"`
	Controller string `json:"controller"` // virtio-blk, ahci-hd or nvme
	ReadOnly   bool   `json:"ro,omitempty"`
	SectorSize int    `json:"sectorsize,omitempty"` // 0 = bhyve's default
}

// NIC is one guest NIC on a host tap device that joins Bridge.
type NIC struct {
	// Tap is the tap device, known once the start plan made it (taps are
	// numbered by the kernel); Argv writes "${TAP<n>}" while it is empty.
	Tap    string `json:"tap,omitempty"`
	MAC    string `json:"mac"`
	Bridge string `json:"bridge,omitempty"` // "" = the tap joins no bridge
	Driver string `json:"driver"`           // virtio-net or e1000
}

// VNC is bhyve's framebuffer (fbuf) served over VNC.
type VNC struct {
	Bind     string `json:"bind"`
	Port     int    `json:"port"` // 0 = no framebuffer
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	VGAConf  string `json:"vga,omitempty"` // io (bhyve's default), on or off
	Wait     bool   `json:"wait,omitempty"`
	Password string `json:"password,omitempty"`
}

// VM is everything a bhyve(8) command line is built from.
type VM struct {
	Name       string   `json:"name"`
	Binary     string   `json:"binary"`          // bhyve_cmd
	ExtraFlags []string `json:"flags,omitempty"` // bhyve_flags, right after the binary
	CPUs       int      `json:"cpus"`
	RAM        int64    `json:"ram"`            // bytes
	ACPI       bool     `json:"acpi"`           // -A (bhyve_generate_acpi)
	WireMemory bool     `json:"wire,omitempty"` // -S (bhyve_wire_memory)
	RTCUTC     bool     `json:"rtc_utc,omitempty"`
	ForceMSI   bool     `json:"force_msi,omitempty"`
	X2APIC     bool     `json:"x2apic,omitempty"`
	NoMPTable  bool     `json:"no_mptable,omitempty"` // -Y (bhyve_mptable_gen=0)
	IgnoreMSR  bool     `json:"ignore_msr,omitempty"`
	UUID       string   `json:"uuid,omitempty"`
	Hostbridge string   `json:"hostbridge"` // hostbridge or amd_hostbridge
	Disks      []Disk   `json:"disks,omitempty"`
	ISO        string   `json:"iso,omitempty"`
	BootCD     bool     `json:"boot_cd,omitempty"`
	NICs       []NIC    `json:"nics,omitempty"`
	VNC        VNC      `json:"vnc"`
	XHCI       bool     `json:"xhci,omitempty"` // a USB controller at slot 30
	Tablet     bool     `json:"tablet,omitempty"`
	Bootrom    string   `json:"bootrom,omitempty"`  // UEFI firmware; "" = none
	BootVars   string   `json:"bootvars,omitempty"` // UEFI variables file
	Console    string   `json:"console,omitempty"`  // nmdm A side for com1; "" = stdio
}

// Argv renders the bhyve command line in share/bhyverun.sh's order:
// flags, CPUs and memory, then hostbridge, disks, CD, NICs, framebuffer,
// xhci, lpc, console and bootrom, and the VM name last.
//
// Slots follow CBSD's allocation: every disk and the CD take a slot from 4
// in that order (CBSD stores one for the boot device too), and the boot
// device (the first disk, or the CD when BootCD) is placed at slot 2, so a
// guest finds its NICs at the same slots whichever device boots.
func (v *VM) Argv() []string {
	a := append([]string{v.Binary}, v.ExtraFlags...)
	a = append(a, "-c", strconv.Itoa(v.CPUs), "-m", strconv.FormatInt(v.RAM, 10), "-H")
	for _, f := range []struct {
		on   bool
		flag string
	}{{v.ACPI, "-A"}, {v.WireMemory, "-S"}, {v.RTCUTC, "-u"}, {v.ForceMSI, "-W"},
		{v.X2APIC, "-x"}, {v.NoMPTable, "-Y"}, {v.IgnoreMSR, "-w"}} {
		if f.on {
			a = append(a, f.flag)
		}
	}
	if v.UUID != "" {
		a = append(a, "-U", v.UUID)
	}
	a = append(a, "-s", fmt.Sprintf("%d,%s", slotHostbridge, v.Hostbridge))
	next := slotFirstFree
	take := func() int { next++; return next - 1 }
	for i, d := range v.Disks {
		slot := take()
		if i == 0 && !v.BootCD {
			slot = slotBoot
		}
		arg := fmt.Sprintf("%d,%s,%s", slot, d.Controller, d.Path)
		if d.ReadOnly {
			arg += ",ro"
		}
		if d.SectorSize > 0 {
			arg += ",sectorsize=" + strconv.Itoa(d.SectorSize)
		}
		a = append(a, "-s", arg)
	}
	if v.ISO != "" {
		slot := take()
		if v.BootCD {
			slot = slotBoot
		}
		a = append(a, "-s", fmt.Sprintf("%d,%s,%s,ro", slot, cdEmulation(v.ISO), v.ISO))
	}
	for i, n := range v.NICs {
		tap := n.Tap
		if tap == "" {
			tap = "${" + tapVar(i) + "}"
		}
		a = append(a, "-s", fmt.Sprintf("%d,%s,%s,mac=%s", take(), n.Driver, tap, n.MAC))
	}
	if v.VNC.Port != 0 {
		a = append(a, "-s", fmt.Sprintf("%d,fbuf,%s", take(), v.VNC.options()))
	}
	if v.XHCI {
		x := fmt.Sprintf("%d,xhci", slotXHCI)
		if v.Tablet {
			x += ",tablet"
		}
		a = append(a, "-s", x)
	}
	a = append(a, "-s", fmt.Sprintf("%d,lpc", slotLPC))
	if v.Console != "" {
		a = append(a, "-l", "com1,"+v.Console)
	} else {
		a = append(a, "-l", "com1,stdio")
	}
	if v.Bootrom != "" {
		rom := "bootrom," + v.Bootrom
		if v.BootVars != "" {
			rom += "," + v.BootVars
		}
		a = append(a, "-l", rom)
	}
	return append(a, v.Name)
}

// options renders fbuf's options in bhyverun.sh's order: address and
// size, then vga, wait and password.
func (c VNC) options() string {
	bind := c.Bind
	if strings.Contains(bind, ":") && !strings.HasPrefix(bind, "[") {
		bind = "[" + bind + "]" // IPv6
	}
	s := fmt.Sprintf("tcp=%s:%d,w=%d,h=%d", bind, c.Port, c.Width, c.Height)
	if c.VGAConf != "" && c.VGAConf != "io" {
		s += ",vga=" + c.VGAConf
	}
	if c.Wait {
		s += ",wait"
	}
	if c.Password != "" {
		s += ",password=" + c.Password
	}
	return s
}

// cdEmulation is ahci-hd for .img media (OpenBSD's installer images, as
// CBSD's compile_cd_args does) and ahci-cd otherwise.
func cdEmulation(path string) string {
	if strings.HasSuffix(path, ".img") {
		return "ahci-hd"
	}
	return "ahci-cd"
}

// tapVar is the plan variable that holds NIC n's tap device.
func tapVar(n int) string { return "TAP" + strconv.Itoa(n) }
