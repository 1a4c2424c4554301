package service

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/runtime/bhyve"
)

// bhyveVMs runs VMs under bhyve(8) (FreeBSD).
type bhyveVMs struct {
	s *Service
	d *bhyve.Driver
}

// spec turns the inventory rows into what bhyve needs.
func (b *bhyveVMs) spec(e *env.Env) (*bhyve.Spec, error) {
	s, name := b.s, e.Name()
	data := dataDir(s.L, e)
	disks, _ := filepath.Glob(filepath.Join(data, "dsk*"))
	sort.Strings(disks)
	p := bhyve.Paths{Data: data, Disks: disks}
	if vars := filepath.Join(s.L.SysDir(name), "BHYVE_UEFI_VARS.fd"); exists(vars) {
		p.EFIVars = vars
	}
	v, err := bhyve.FromEnv(e, p)
	if err != nil {
		return nil, err
	}
	return &bhyve.Spec{VM: *v, RunDir: s.vmRunDir(name), Log: s.L.Log(name),
		OwnerFile: filepath.Join(s.L.SysDir(name), "locked"), OwnerStale: s.ownerStale(),
		Node: s.NodeSetting("nodename", "localhost"), OnReboot: e.Get("on_reboot"),
		OnPoweroff: e.Get("on_poweroff"), OnCrash: e.Get("on_crash")}, nil
}

// Argv implements vmBackend (tap names are known once bstart made them).
func (b *bhyveVMs) Argv(e *env.Env) ([]string, error) {
	spec, err := b.spec(e)
	if err != nil {
		return nil, err
	}
	return spec.VM.Argv(), nil
}

// Start implements vmBackend.
func (b *bhyveVMs) Start(ctx context.Context, e *env.Env) (int, string, error) {
	spec, err := b.spec(e)
	if err != nil {
		return 0, "", err
	}
	st, err := b.d.Start(ctx, spec)
	return st.Pid, st.Warning, err
}

// State implements vmBackend.
func (b *bhyveVMs) State(name string) (bool, int) {
	st := b.d.State(b.s.vmRunDir(name))
	return st.Running, st.Pid
}

// Stop implements vmBackend.
func (b *bhyveVMs) Stop(ctx context.Context, name string, grace time.Duration) error {
	return b.d.Stop(ctx, name, b.s.vmRunDir(name), grace)
}

// Console implements vmBackend (the user side of the VM's nmdm pair).
func (b *bhyveVMs) Console(ctx context.Context, name string, in *os.File, out io.Writer) error {
	return b.d.Console(ctx, bhyve.ConsoleB(name), in, out)
}
