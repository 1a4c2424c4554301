package bhyve

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/runtime/plan"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const w = "/usr/jails"

// vmEnv is a VM's settings: the column defaults plus kv.
func vmEnv(name string, kv map[string]string) *env.Env {
	e := env.New(name)
	for _, c := range env.VMColumns {
		if c.Name != "jname" {
			e.Set(c.Name, c.Default)
		}
	}
	e.Set("emulator", "bhyve")
	for k, v := range kv {
		e.Set(k, v)
	}
	return e
}

func paths(name string, disks ...string) Paths {
	return Paths{Data: w + "/jails-data/" + name + "-data", Disks: disks}
}

// valued are the options whose value follows them in the argv.
var valued = map[string]bool{"-c": true, "-m": true, "-U": true, "-s": true, "-l": true}

// renderArgv is a golden-file view of an argv: one option per line.
func renderArgv(a []string) string {
	var b strings.Builder
	for i := 0; i < len(a); i++ {
		b.WriteString(a[i])
		if valued[a[i]] && i+1 < len(a) {
			i++
			b.WriteString(" " + a[i])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// renderPlan is a golden-file view of a plan: one argv per line.
func renderPlan(p *plan.Plan) string {
	var b strings.Builder
	for _, s := range p.Steps {
		b.WriteString("$ " + strings.Join(s.Do, " "))
		if s.Capture != "" {
			b.WriteString("    # " + s.Capture + " = first word of the output")
		}
		if len(s.Undo) > 0 {
			b.WriteString("    # undo: " + strings.Join(s.Undo, " "))
		}
		for v, d := range s.Find {
			b.WriteString("    # " + v + " = interface described " + d)
		}
		if s.Ignore {
			b.WriteString("    # failure ignored")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		os.WriteFile(file, []byte(got), 0o644)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("%s differs:\n%s", file, got)
	}
}

// fullVM has two virtio-blk disks, boots from CD, has two NICs on two
// bridges, VNC with a resolution and password, UEFI and a USB tablet.
func fullVM(t *testing.T) *VM {
	e := vmEnv("web1", map[string]string{
		"vm_cpus": "2", "vm_ram": "2g", "vm_boot": "cd", "vm_iso_path": w + "/src/iso/cbsd-iso-debian-12.4.0-amd64-netinst.iso",
		"vm_efi": "uefi", "virtio_type": "virtio-blk", "nic_parent": "bridge0,bridge1",
		"nic_hwaddr": "00:a0:98:11:22:33,00A098445566", "vm_vnc_port": "5901", "bhyve_vnc_resolution": "1280x720",
		"vnc_password": "s3cret", "cd_vnc_wait": "1", "xhci": "1", "tablet": "1",
		"uuid": "5f9e0f1c-6a63-4d3e-9b1e-0c4a7d2b9e10", "bhyve_flags": "-D", "bhyve_rts_keeps_utc": "1",
	})
	p := paths("web1", "dsk1.vhd", "dsk2.vhd")
	p.EFIVars = w + "/jails-system/web1/BHYVE_UEFI_VARS.fd"
	v, err := FromEnv(e, p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGolden pins the bhyve command line and the ordered start and stop
// plans of a full and a minimal VM.
func TestGolden(t *testing.T) {
	mini, err := FromEnv(vmEnv("mini", nil), paths("mini", w+"/jails-data/mini-data/dsk1.vhd"))
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]*VM{"full": fullVM(t), "minimal": mini} {
		t.Run(name, func(t *testing.T) {
			start, err := StartPlan(v)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name+".golden", "## argv\n"+renderArgv(v.Argv())+"## start\n"+renderPlan(start)+"## stop\n"+renderPlan(StopPlan(v)))
		})
	}
}

// TestArgvVariants checks the rules behind single arguments.
func TestArgvVariants(t *testing.T) {
	cases := []struct {
		name  string
		kv    map[string]string
		p     Paths
		want  []string
		avoid []string
	}{
		{"hdd boot: first disk at slot 2, slots kept for the others",
			map[string]string{"vm_iso_path": "/iso/x.iso", "nic_parent": "auto", "nic_hwaddr": "02:00:00:00:00:01"},
			paths("v", "dsk1.vhd", "dsk2.vhd"),
			[]string{"2,ahci-hd,/usr/jails/jails-data/v-data/dsk1.vhd,sectorsize=512", "5,ahci-hd,/usr/jails/jails-data/v-data/dsk2.vhd,sectorsize=512",
				"6,ahci-cd,/iso/x.iso,ro", "7,virtio-net,${TAP0},mac=02:00:00:00:00:01"}, nil},
		{"img media is a disk", map[string]string{"vm_iso_path": "/iso/install.img", "vm_boot": "cd"}, paths("v"),
			[]string{"2,ahci-hd,/iso/install.img,ro"}, nil},
		{"vga, IPv6 bind, no UEFI: no password, wait or tablet",
			map[string]string{"vm_vnc_port": "5999", "bhyve_vnc_tcp_bind": "::1", "bhyve_vnc_vgaconf": "off", "vnc_password": "pw",
				"cd_vnc_wait": "1", "vm_boot": "cd", "vm_iso_path": "/iso/x.iso", "xhci": "1"},
			paths("v"), []string{"5,fbuf,tcp=[::1]:5999,w=1024,h=768,vga=off"}, []string{"password=", "wait", "xhci", "bootrom"}},
		{"xhci without tablet, csm firmware, vars",
			map[string]string{"vm_vnc_port": "5902", "vm_efi": "uefi_csm", "xhci": "1", "tablet": "0"},
			Paths{EFIVars: "/s/vars.fd"}, []string{"30,xhci", "bootrom," + DefaultFirmwareCSM + ",/s/vars.fd"}, []string{"tablet"}},
		{"e1000, generated MAC, no bridge flags", map[string]string{"nic_parent": "bridge5", "nic_driver": "e1000",
			"bhyve_generate_acpi": "0", "bhyve_mptable_gen": "0", "bhyve_wire_memory": "1"}, paths("v"),
			[]string{"4,e1000,${TAP0},mac=" + DefaultMAC("v", 0), "-Y", "-S"}, []string{"-A"}},
		{"auto VNC port", map[string]string{"vm_vnc_port": "0"}, paths("v"),
			[]string{"tcp=127.0.0.1:" + strconv.Itoa(AutoVNCPort("v"))}, nil},
		{"auto VNC port picked by the caller", map[string]string{"vm_vnc_port": "0"}, Paths{VNCPort: 5933},
			[]string{"tcp=127.0.0.1:5933"}, nil},
		{"efi_firmware setting", map[string]string{"vm_efi": "uefi", "efi_firmware": "/fw/my.fd"}, paths("v"),
			[]string{"bootrom,/fw/my.fd"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := FromEnv(vmEnv("v", c.kv), c.p)
			if err != nil {
				t.Fatal(err)
			}
			line := strings.Join(v.Argv(), " ")
			for _, s := range c.want {
				if !strings.Contains(line, s) {
					t.Errorf("no %q in %s", s, line)
				}
			}
			for _, s := range c.avoid {
				if strings.Contains(line, s) {
					t.Errorf("%q in %s", s, line)
				}
			}
			if !strings.HasSuffix(line, " -s 31,lpc -l com1,/dev/nmdm-vA"+bootrom(v)+" v") {
				t.Errorf("tail of %s", line)
			}
		})
	}
}

func bootrom(v *VM) string {
	if v.Bootrom == "" {
		return ""
	}
	s := " -l bootrom," + v.Bootrom
	if v.BootVars != "" {
		s += "," + v.BootVars
	}
	return s
}

func TestStableNames(t *testing.T) {
	if DefaultMAC("vm1", 0) != DefaultMAC("vm1", 0) || DefaultMAC("vm1", 0) == DefaultMAC("vm1", 1) {
		t.Fatal("DefaultMAC is not stable per name and position")
	}
	if !strings.HasPrefix(DefaultMAC("vm1", 0), "00:a0:98:") {
		t.Fatal(DefaultMAC("vm1", 0))
	}
	if p := AutoVNCPort("vm1"); p < 5900 || p > 6899 || p != AutoVNCPort("vm1") {
		t.Fatal(p)
	}
	if ConsoleA("a:b@c") != "/dev/nmdm-a_b_cA" || ConsoleB("a:b@c") != "/dev/nmdm-a_b_cB" {
		t.Fatal(ConsoleA("a:b@c"), ConsoleB("a:b@c"))
	}
	for in, want := range map[string]string{"5CF9DD76D5C4": "5c:f9:dd:76:d5:c4", "00:A0:98:01:02:03": "00:a0:98:01:02:03"} {
		if got, err := NormalizeMAC(in); err != nil || got != want {
			t.Errorf("NormalizeMAC(%q) = %q, %v", in, got, err)
		}
	}
}
