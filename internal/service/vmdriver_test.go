package service

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cbsdgo/cbsd/internal/runtime/bhyve"
)

// TestBhyveBackend: with the bhyve driver (FreeBSD) the same VM rows give
// bhyve's command line: every disk, every NIC with its MAC, UEFI vars.
func TestBhyveBackend(t *testing.T) {
	s, _ := newService(t)
	s.Bhyve = &bhyve.Driver{}
	ctx := context.Background()
	if _, err := s.VMCreate(ctx, map[string]string{"jname": "bv1", "imgsize": "1m", "vm_ram": "1g", "vm_cpus": "2",
		"nic_parent": "bridge0,bridge1", "vm_efi": "uefi"}); err != nil {
		t.Fatal(err)
	}
	data := s.L.DataDir("bv1")
	if err := os.WriteFile(filepath.Join(data, "dsk2.vhd"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	vars := filepath.Join(s.L.SysDir("bv1"), "BHYVE_UEFI_VARS.fd")
	os.WriteFile(vars, nil, 0o644)
	e, err := s.Get(ctx, "bv1")
	if err != nil {
		t.Fatal(err)
	}
	macs := strings.Split(e.Get("nic_hwaddr"), ",")
	if len(macs) != 2 {
		t.Fatalf("nic_hwaddr = %q", e.Get("nic_hwaddr"))
	}
	argv, err := s.VMArgv(ctx, "bv1")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(argv, " ")
	for _, want := range []string{"/usr/sbin/bhyve ", " -c 2 ", " -m 1073741824 ", data + "/dsk1.vhd", data + "/dsk2.vhd",
		"virtio-net,${TAP0},mac=" + macs[0], "virtio-net,${TAP1},mac=" + macs[1],
		"-l bootrom," + bhyve.DefaultFirmware + "," + vars, " bv1"} {
		if !strings.Contains(got, want) {
			t.Errorf("argv lacks %q:\n%s", want, got)
		}
	}
	// Not running: State says so without a supervisor.
	if st := s.State(ctx, e); st.Running {
		t.Fatalf("state %+v", st)
	}
}
