package qemu

import (
	"fmt"
	"strconv"
	"strings"
)

// Disk is one virtual disk.
type Disk struct {
	Path   string
	Format string // raw or qcow2
}

// NIC is a virtio NIC on a host tap device (made by the supervisor and
// attached to Bridge).
type NIC struct {
	Tap    string `json:"tap"`
	MAC    string `json:"mac"`
	Bridge string `json:"bridge"`
}

// VM is everything the argv is built from.
type VM struct {
	Name                             string
	Binary                           string // qemu-system-x86_64
	Accel                            string // kvm or tcg
	CPUs                             int
	RAMMiB                           int
	Kernel                           string // direct kernel boot (with Initrd, Cmdline)
	Initrd                           string
	Cmdline                          string
	Disks                            []Disk
	ISO                              string
	BootCD                           bool
	VNCDisplay                       int    // -1 = no VNC; else display number (port 5900+n)
	VNCBind                          string // address VNC listens on
	NoReboot                         bool   // on_reboot=destroy: a guest reboot ends the VM
	EFICode                          string // OVMF firmware, when vm_efi asks for it
	NICs                             []NIC
	Seed                             string // cloud-init NoCloud ISO
	PanicExit                        bool   // a guest panic (pvpanic) makes QEMU exit with failure
	ConsoleSock, ConsoleLog, QMPSock string
}

// Argv renders the QEMU command line (foreground: the supervisor is its
// parent; no -daemonize).
func (v *VM) Argv() []string {
	a := []string{v.Binary, "-name", "guest=" + v.Name, "-nodefaults", "-no-user-config",
		"-accel", v.Accel, "-machine", "pc", "-smp", strconv.Itoa(v.CPUs), "-m", strconv.Itoa(v.RAMMiB)}
	if v.Accel == "kvm" {
		a = append(a, "-cpu", "host")
	}
	a = append(a,
		"-chardev", fmt.Sprintf("socket,id=con0,path=%s,server=on,wait=off,logfile=%s,logappend=on", v.ConsoleSock, v.ConsoleLog),
		"-serial", "chardev:con0",
		"-qmp", fmt.Sprintf("unix:%s,server=on,wait=off", v.QMPSock),
	)
	if v.VNCDisplay >= 0 {
		a = append(a, "-vga", "std", "-vnc", fmt.Sprintf("%s:%d", v.VNCBind, v.VNCDisplay))
	} else {
		a = append(a, "-display", "none")
	}
	if v.EFICode != "" {
		a = append(a, "-drive", "if=pflash,format=raw,readonly=on,file="+v.EFICode)
	}
	if v.Kernel != "" {
		a = append(a, "-kernel", v.Kernel)
		if v.Initrd != "" {
			a = append(a, "-initrd", v.Initrd)
		}
		if v.Cmdline != "" {
			a = append(a, "-append", v.Cmdline)
		}
	}
	for i, d := range v.Disks {
		f := d.Format
		if f == "" {
			f = "raw"
		}
		a = append(a, "-drive", fmt.Sprintf("file=%s,if=virtio,format=%s,index=%d", d.Path, f, i))
	}
	if v.ISO != "" {
		a = append(a, "-drive", fmt.Sprintf("file=%s,media=cdrom,readonly=on", v.ISO))
	}
	if v.Seed != "" {
		a = append(a, "-drive", fmt.Sprintf("file=%s,media=cdrom,readonly=on", v.Seed))
	}
	for i, n := range v.NICs {
		a = append(a, "-netdev", fmt.Sprintf("tap,id=n%d,ifname=%s,script=no,downscript=no", i, n.Tap),
			"-device", fmt.Sprintf("virtio-net-pci,netdev=n%d,mac=%s", i, n.MAC))
	}
	if v.BootCD && v.ISO != "" {
		a = append(a, "-boot", "order=dc")
	} else if v.Kernel == "" {
		a = append(a, "-boot", "order=c")
	}
	if v.NoReboot {
		a = append(a, "-no-reboot")
	}
	if v.PanicExit {
		a = append(a, "-device", "pvpanic", "-action", "panic=exit-failure")
	}
	return a
}

// ParseSize turns a size (bytes, or 512m, 10g, 64k) into bytes.
func ParseSize(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "t"), strings.HasSuffix(s, "tb"):
		mult, s = 1<<40, strings.TrimRight(s, "tb")
	case strings.HasSuffix(s, "g"), strings.HasSuffix(s, "gb"):
		mult, s = 1<<30, strings.TrimRight(s, "gb")
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "mb"):
		mult, s = 1<<20, strings.TrimRight(s, "mb")
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "kb"):
		mult, s = 1<<10, strings.TrimRight(s, "kb")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q: want bytes or a size such as 512m or 10g", v)
	}
	return n * mult, nil
}

// ParseRAM turns a CBSD vm_ram value (bytes, or 512m, 1g, 2048M) into MiB.
func ParseRAM(v string) (int, error) {
	n, err := ParseSize(v)
	if err != nil {
		return 0, fmt.Errorf("vm_ram=%w", err)
	}
	mib := n >> 20
	if mib < 16 {
		return 0, fmt.Errorf("vm_ram=%q: less than 16 MiB", v)
	}
	return int(mib), nil
}
