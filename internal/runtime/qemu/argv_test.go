package qemu

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestArgvGolden pins the exact QEMU command line for sets of settings.
func TestArgvGolden(t *testing.T) {
	base := func() VM {
		return VM{Name: "vm1", Binary: "qemu-system-x86_64", Accel: "tcg", CPUs: 1, RAMMiB: 512,
			VNCDisplay: -1, ConsoleSock: "/w/jails-system/vm1/console.sock",
			ConsoleLog: "/w/var/log/vm1.console.log", QMPSock: "/w/jails-system/vm1/qmp.sock"}
	}
	cases := map[string]func(v *VM){
		"kernel": func(v *VM) {
			v.Kernel, v.Initrd, v.Cmdline = "/k/vmlinuz", "/k/initrd.gz", "console=ttyS0 quiet"
		},
		"disk-kvm-vnc": func(v *VM) {
			v.Accel, v.CPUs, v.RAMMiB = "kvm", 2, 2048
			v.Disks = []Disk{{Path: "/w/jails-data/vm1-data/dsk1.vhd", Format: "raw"}, {Path: "/w/jails-data/vm1-data/dsk2.qcow2", Format: "qcow2"}}
			v.VNCDisplay, v.VNCBind = 1, "127.0.0.1"
			v.NoReboot = true
			v.NICs = []NIC{{Tap: "cbt0a1b2c3d.0", MAC: "02:a0:98:12:34:56", Bridge: "cbsdbr0"}}
		},
		"iso-efi": func(v *VM) {
			v.Disks = []Disk{{Path: "/d/dsk1.vhd"}}
			v.ISO, v.BootCD, v.EFICode = "/iso/debian.iso", true, "/usr/share/OVMF/OVMF_CODE.fd"
		},
	}
	for name, set := range cases {
		t.Run(name, func(t *testing.T) {
			v := base()
			set(&v)
			got := strings.Join(v.Argv(), "\n") + "\n"
			golden := filepath.Join("testdata", name+".argv")
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Fatalf("argv differs from %s:\n%s", golden, got)
			}
		})
	}
}

func TestParseRAM(t *testing.T) {
	for in, want := range map[string]int{"536870912": 512, "512m": 512, "1g": 1024, "2048M": 2048, "1G": 1024, "262144k": 256} {
		if got, err := ParseRAM(in); err != nil || got != want {
			t.Errorf("ParseRAM(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1k", "0"} {
		if _, err := ParseRAM(bad); err == nil {
			t.Errorf("ParseRAM(%q) accepted", bad)
		}
	}
}

func TestAccelSetting(t *testing.T) {
	for _, s := range []string{"kvm", "tcg"} {
		if got, _ := Accel(s); got != s {
			t.Errorf("Accel(%q) = %q", s, got)
		}
	}
	if _, err := Accel("xen"); err == nil {
		t.Error("Accel(xen) accepted")
	}
	if got, _ := Accel("auto"); got != "kvm" && got != "tcg" {
		t.Errorf("Accel(auto) = %q", got)
	}
}
