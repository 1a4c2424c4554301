package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/huh"

	"github.com/cbsdgo/cbsd/internal/env"
)

// VM is what bconstruct-tui collects.
type VM struct {
	Jname, Profile, RAM, CPUs, ImgSize string
	ISO, NIC                           string
	BootCD, VNC, UEFI, Astart          bool
	Action, JconfPath                  string
}

// VMSetup is what the form offers.
type VMSetup struct {
	Profiles []string // vm_os_profile names with a profile file ("" = none)
	ISOs     []string // ISO files in W/src/iso
	Exists   func(name string) bool
	Jconf    func(name string) string
}

// NoISO is the ISO choice for none.
const NoISO = "none"

// Args are the bcreate arguments the VM stands for.
func (v *VM) Args() map[string]string {
	b := func(x bool) string {
		if x {
			return "1"
		}
		return "0"
	}
	a := map[string]string{"jname": v.Jname, "vm_ram": strings.TrimSpace(v.RAM), "vm_cpus": strings.TrimSpace(v.CPUs),
		"imgsize": strings.TrimSpace(v.ImgSize), "astart": b(v.Astart), "vm_boot": "hdd", "vm_vnc_port": "1",
		"vm_efi": "none", "nic_parent": "0"}
	if v.Profile != "" {
		a["vm_os_profile"] = v.Profile
	}
	if v.ISO != "" && v.ISO != NoISO {
		a["vm_iso_path"] = v.ISO
		if v.BootCD {
			a["vm_boot"] = "cd"
		}
	}
	if n := strings.TrimSpace(v.NIC); n != "" {
		a["nic_parent"] = n
	}
	if v.VNC {
		a["vm_vnc_port"] = "0"
	}
	if v.UEFI {
		a["vm_efi"] = "uefi"
	}
	return a
}

// Jconf renders the VM as a jconf file for bcreate jconf=.
func (v *VM) Jconf() string {
	a := v.Args()
	var b strings.Builder
	b.WriteString("# jconf written by cbsd bconstruct-tui; create with: cbsd bcreate jconf=<this file>\n")
	for _, k := range []string{"vm_os_profile", "vm_ram", "vm_cpus", "imgsize", "vm_iso_path", "vm_boot", "nic_parent",
		"vm_vnc_port", "vm_efi", "astart"} {
		if x, ok := a[k]; ok {
			fmt.Fprintf(&b, "%s=%s;\n", k, env.Quote(x))
		}
	}
	fmt.Fprintf(&b, "jname=%s;\n", env.Quote(v.Jname))
	return b.String()
}

func (v *VM) summary() string {
	a := v.Args()
	return plain(fmt.Sprintf("jname %s   profile %s\nvm_ram %s   vm_cpus %s   imgsize %s\niso %s   vm_boot %s\nnic_parent %s   vnc %v   uefi %v",
		v.Jname, v.Profile, a["vm_ram"], a["vm_cpus"], a["imgsize"], v.ISO, a["vm_boot"], a["nic_parent"], v.VNC, v.UEFI))
}

// BconstructForm is bconstruct-tui: profile, size, media, NIC, then what
// to do with it.
func BconstructForm(v *VM, s VMSetup) *huh.Form {
	if v.Action == "" {
		v.Action = ActionCreate
	}
	name := func(x string) error {
		if err := env.ValidateName(x); err != nil {
			return fmt.Errorf("1-64 letters, digits, _ @ %% : - (not first: -)")
		}
		if s.Exists != nil && s.Exists(x) {
			return fmt.Errorf("%s already exists", x)
		}
		return nil
	}
	profiles := []huh.Option[string]{huh.NewOption("none (settings below)", "")}
	for _, p := range s.Profiles {
		profiles = append(profiles, huh.NewOption(p, p))
	}
	isos := []huh.Option[string]{huh.NewOption(NoISO, NoISO)}
	for _, p := range s.ISOs {
		isos = append(isos, huh.NewOption(p, p))
	}
	return huh.NewForm(
		huh.NewGroup(
			huh.NewInput().Title("VM name (jname)").Value(&v.Jname).Validate(name),
			huh.NewSelect[string]().Title("Profile (vm_os_profile)").Options(profiles...).Value(&v.Profile),
			huh.NewInput().Title("RAM (vm_ram)").Description("e.g. 512m, 2g").Value(&v.RAM).Validate(ValidSize),
			huh.NewInput().Title("CPUs (vm_cpus)").Value(&v.CPUs).Validate(ValidCount(256)),
			huh.NewInput().Title("Disk size (imgsize)").Description("First disk, sparse: e.g. 10g").Value(&v.ImgSize).Validate(ValidSize),
		).Title("VM"),
		huh.NewGroup(
			huh.NewSelect[string]().Title("ISO (vm_iso_path)").Description("Files in W/src/iso (cbsd fetch_iso)").
				Options(isos...).Value(&v.ISO).Height(5),
			huh.NewConfirm().Title("Boot from the ISO (vm_boot=cd)").Value(&v.BootCD).Affirmative("Yes").Negative("No"),
			huh.NewInput().Title("NIC bridge (nic_parent)").Description("auto: the node bridge; empty: no NIC; a,b: two NICs").Value(&v.NIC),
			huh.NewConfirm().Title("VNC console").Value(&v.VNC).Affirmative("Yes").Negative("No"),
			huh.NewConfirm().Title("UEFI (vm_efi)").Value(&v.UEFI).Affirmative("Yes").Negative("No"),
		).Title("Media and devices"),
		huh.NewGroup(
			huh.NewNote().Title("Summary").DescriptionFunc(v.summary, v),
			huh.NewSelect[string]().Title("Then").Options(
				huh.NewOption("Create", ActionCreate),
				huh.NewOption("Create and start", ActionStart),
				huh.NewOption("Write a jconf file only", ActionJconf),
			).Value(&v.Action),
		).Title("Finish"),
		huh.NewGroup(
			huh.NewInput().Title("jconf file").Value(&v.JconfPath).
				PlaceholderFunc(func() string {
					if s.Jconf != nil {
						return s.Jconf(v.Jname)
					}
					return ""
				}, &v.Jname),
		).WithHideFunc(func() bool { return v.Action != ActionJconf }),
	)
}
