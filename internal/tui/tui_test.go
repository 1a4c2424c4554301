package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/env"
)

func TestValidators(t *testing.T) {
	hook := filepath.Join(t.TempDir(), "h.sh")
	os.WriteFile(hook, []byte("#!/bin/sh\n"), 0o755)
	noexec := filepath.Join(t.TempDir(), "n.sh")
	os.WriteFile(noexec, []byte("x"), 0o644)
	for _, c := range []struct {
		name string
		fn   func(string) error
		good []string
		bad  []string
	}{
		{"pool", ValidPool, []string{"10.0.0.0/24", "10.0.0.2-9"}, []string{"", "10.0.0.0/33", "x"}},
		{"nodename", ValidNodename, []string{"node1", "a-b"}, []string{"", "a/b", "-a", strings.Repeat("x", 65)}},
		{"workdir", ValidWorkdir, []string{"/usr/jails", "/tmp/new/dir"}, []string{"rel/dir", "/etc/passwd/x"}},
		{"addrs", ValidAddrs, []string{"DHCP", "dhcp", "0", "10.0.0.5/24", "10.0.0.5,2001:db8::5"}, []string{"10.0.0.500", "x"}},
		{"hook", ValidHook, []string{"", "0", hook}, []string{"/nonexistent", noexec, t.TempDir()}},
		{"count", ValidCount(4), []string{"1", "4"}, []string{"0", "5", "x"}},
		{"size", ValidSize, []string{"512m", "10g", "10GB", "1048576"}, []string{"", "m", "-1g", "1.5g"}},
	} {
		for _, g := range c.good {
			if err := c.fn(g); err != nil {
				t.Errorf("%s(%q): %v", c.name, g, err)
			}
		}
		for _, b := range c.bad {
			if err := c.fn(b); err == nil {
				t.Errorf("%s(%q) accepted", c.name, b)
			}
		}
	}
}

func TestJailArgsAndJconf(t *testing.T) {
	j := &Jail{Jname: "web1", IP4: " DHCP ", Ver: "busybox", Vnet: true, Interface: "cbsdbr1",
		MntStart: "/w/share/s.sh", Options: []string{"persist", "allow_raw_sockets"}, RootPW: "p w"}
	a := j.Args()
	for k, want := range map[string]string{"jname": "web1", "host_hostname": "web1.my.domain", "ip4_addr": "DHCP",
		"vnet": "1", "baserw": "0", "interface": "cbsdbr1", "mnt_start": "/w/share/s.sh", "persist": "1",
		"allow_raw_sockets": "1", "allow_mount": "0", "user_pw_root": "p w"} {
		if a[k] != want {
			t.Errorf("%s = %q, want %q", k, a[k], want)
		}
	}
	if _, ok := a["mnt_stop"]; ok {
		t.Error("empty mnt_stop passed")
	}
	// The jconf parses back to the same values.
	as, err := env.ParseAssignments(strings.NewReader(j.Jconf()))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, x := range as {
		got[x.Key] = x.Value
	}
	for k, v := range a {
		if got[k] != v {
			t.Errorf("jconf %s = %q, want %q", k, got[k], v)
		}
	}
	if !strings.Contains(j.summary(), `host\_hostname`) {
		t.Errorf("summary not escaped: %s", j.summary())
	}
}

func TestVMArgs(t *testing.T) {
	v := &VM{Jname: "vm1", RAM: "1g", CPUs: "2", ImgSize: "10g", ISO: "/iso/d.iso", BootCD: true, NIC: "auto", VNC: true, UEFI: true}
	a := v.Args()
	for k, want := range map[string]string{"vm_ram": "1g", "vm_cpus": "2", "imgsize": "10g", "vm_iso_path": "/iso/d.iso",
		"vm_boot": "cd", "nic_parent": "auto", "vm_vnc_port": "0", "vm_efi": "uefi"} {
		if a[k] != want {
			t.Errorf("%s = %q, want %q", k, a[k], want)
		}
	}
	v = &VM{Jname: "vm2", RAM: "1g", CPUs: "1", ImgSize: "1g", ISO: NoISO, BootCD: true}
	a = v.Args()
	if a["vm_boot"] != "hdd" || a["nic_parent"] != "0" || a["vm_iso_path"] != "" {
		t.Errorf("no ISO: %v", a)
	}
	if !strings.Contains(v.Jconf(), `jname="vm2";`) {
		t.Error(v.Jconf())
	}
}

func TestNodeSettings(t *testing.T) {
	in := map[string]string{"nodename": "n1", "nodeippool": "10.0.0.0/24", "zfsfeat": "1", "hammerfeat": "0", "parallel": "5",
		"oci_runtime": "auto", "bridge": "cbsdbr0", "jnameserver": "9.9.9.9", "nodeip": "1.2.3.4", "nodedescr": "d", "nodeip6pool": "fd::/64"}
	n := NodeFrom("/w", in)
	out := n.Settings()
	for k, v := range in {
		if out[k] != v {
			t.Errorf("%s = %q, want %q", k, out[k], v)
		}
	}
}
