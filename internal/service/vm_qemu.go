package service

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/runtime/qemu"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// qemuVMs runs VMs under QEMU (Linux).
type qemuVMs struct {
	s *Service
	d *qemu.Driver
}

// spec turns the inventory rows into what QEMU needs.
func (q *qemuVMs) spec(e *env.Env) (*qemu.Spec, error) {
	s := q.s
	name := e.Name()
	mib, err := qemu.ParseRAM(e.Get("vm_ram"))
	if err != nil {
		return nil, err
	}
	accel, err := qemu.Accel(e.Get("vm_accel"))
	if err != nil {
		return nil, err
	}
	bin, err := sys.LookPath("qemu-system-x86_64")
	if err != nil {
		return nil, fmt.Errorf("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86): %w", errdefs.ErrNotSupported)
	}
	v := qemu.VM{Name: name, Binary: bin, Accel: accel, CPUs: e.Int("vm_cpus"), RAMMiB: mib,
		VNCDisplay: -1, VNCBind: e.Get("bhyve_vnc_tcp_bind"),
		ConsoleSock: s.VMConsoleSock(name), ConsoleLog: s.VMConsoleLog(name),
		QMPSock:   filepath.Join(s.L.SysDir(name), "qmp.sock"),
		NoReboot:  e.Get("on_reboot") == "destroy",
		PanicExit: e.Get("on_crash") == "restart" || e.Get("on_crash") == "destroy"}
	if v.CPUs < 1 {
		v.CPUs = 1
	}
	if p := e.Get("vm_vnc_port"); p != "1" {
		n, _ := strconv.Atoi(p)
		if n >= 5900 {
			v.VNCDisplay = n - 5900
		} else {
			v.VNCDisplay = 100 + int(hashName(name)%100) // 0 = auto: a stable display per VM
		}
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"vm_kernel", &v.Kernel}, {"vm_initrd", &v.Initrd}, {"vm_cmdline", &v.Cmdline}, {"vm_iso_path", &v.ISO}} {
		if x := e.Get(k.key); x != "0" && x != "" {
			*k.dst = x
		}
	}
	v.BootCD = e.Get("vm_boot") == "cd"
	data := dataDir(s.L, e)
	disks, _ := filepath.Glob(filepath.Join(data, "dsk*"))
	for _, d := range disks {
		f := "raw"
		if strings.HasSuffix(d, ".qcow2") {
			f = "qcow2"
		}
		v.Disks = append(v.Disks, qemu.Disk{Path: d, Format: f})
	}
	if e.Get("vm_efi") != "none" && e.Get("vm_efi") != "0" {
		for _, p := range []string{"/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/ovmf/OVMF.fd"} {
			if exists(p) {
				v.EFICode = p
				break
			}
		}
		if v.EFICode == "" {
			return nil, fmt.Errorf("vm_efi=%s but no OVMF firmware is installed (apt-get install ovmf): %w", e.Get("vm_efi"), errdefs.ErrNotFound)
		}
	}
	macs := strings.Split(e.Get("nic_hwaddr"), ",")
	for i, br := range nicParents(e) {
		if br == "auto" {
			br = s.NodeSetting("bridge", "cbsdbr0")
		}
		mac := ""
		if i < len(macs) && macs[i] != "0" {
			mac = strings.TrimSpace(macs[i])
		}
		if mac == "" {
			return nil, fmt.Errorf("VM %s: NIC %d has no MAC address in nic_hwaddr: %w", name, i, errdefs.ErrInvalid)
		}
		v.NICs = append(v.NICs, qemu.NIC{Tap: network.TapName(name, i), MAC: mac, Bridge: br})
	}
	if cloudInit(e) {
		v.Seed = filepath.Join(s.L.SysDir(name), "seed.iso")
	}
	return &qemu.Spec{VM: v, RunDir: s.vmRunDir(name), Log: s.L.Log(name),
		OwnerFile: filepath.Join(s.L.SysDir(name), "locked"), OwnerStale: s.ownerStale(),
		Node: s.NodeSetting("nodename", "localhost"), OnPoweroff: e.Get("on_poweroff"), OnCrash: e.Get("on_crash")}, nil
}

// Argv implements vmBackend.
func (q *qemuVMs) Argv(e *env.Env) ([]string, error) {
	spec, err := q.spec(e)
	if err != nil {
		return nil, err
	}
	return spec.VM.Argv(), nil
}

// Start implements vmBackend: the node bridge for nic_parent=auto NICs and
// the cloud-init seed first.
func (q *qemuVMs) Start(ctx context.Context, e *env.Env) (int, string, error) {
	s := q.s
	spec, err := q.spec(e)
	if err != nil {
		return 0, "", err
	}
	for i, p := range nicParents(e) {
		if p != "auto" {
			continue
		}
		pool, err := network.ParsePool(s.NodeSetting("nodeippool", DefaultPool))
		if err != nil {
			return 0, "", err
		}
		if err := network.EnsureBridge(spec.VM.NICs[i].Bridge, netip.PrefixFrom(pool.Gateway(), pool.Prefix)); err != nil {
			return 0, "", err
		}
	}
	if spec.VM.Seed != "" {
		mac := ""
		if len(spec.VM.NICs) > 0 {
			mac = spec.VM.NICs[0].MAC
		}
		if err := s.writeSeed(e, spec.VM.Seed, mac); err != nil {
			return 0, "", err
		}
	}
	st, err := q.d.Start(ctx, spec)
	return st.Pid, st.Warning, err
}

// State implements vmBackend.
func (q *qemuVMs) State(name string) (bool, int) {
	if q.d == nil {
		return false, 0
	}
	st := q.d.State(q.s.vmRunDir(name))
	return st.Running, st.Pid
}

// Stop implements vmBackend.
func (q *qemuVMs) Stop(ctx context.Context, name string, grace time.Duration) error {
	return q.d.Stop(ctx, name, q.s.vmRunDir(name), grace)
}

// Console implements vmBackend (the console unix socket).
func (q *qemuVMs) Console(ctx context.Context, name string, in *os.File, out io.Writer) error {
	return q.d.Console(ctx, q.s.VMConsoleSock(name), in, out)
}
