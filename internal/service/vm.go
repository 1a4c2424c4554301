package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cbsdgo/cbsd/internal/cloudinit"
	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/hook"
	"github.com/cbsdgo/cbsd/internal/revert"
	"github.com/cbsdgo/cbsd/internal/runtime/qemu"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

func (s *Service) vmRunDir(name string) string { return s.L.Path("var", "run", "vm", name) }

// VMConsoleSock is the serial console socket of a VM.
func (s *Service) VMConsoleSock(name string) string {
	return filepath.Join(s.L.SysDir(name), "console.sock")
}

// VMConsoleLog is where a VM's serial output is appended.
func (s *Service) VMConsoleLog(name string) string {
	return s.L.Path("var", "log", name+".console.log")
}

// vmDefaults are the settings of a new VM before the command line.
func (s *Service) vmDefaults(name string) *env.Env {
	e := env.New(name)
	for _, c := range env.VMColumns {
		if c.Name != "jname" {
			e.Set(c.Name, c.Default)
		}
	}
	e.Set("emulator", "bhyve")
	e.Set("host_hostname", name)
	e.Set("ip4_addr", "0")
	e.Set("astart", "0")
	e.Set("path", s.L.JailPath(name))
	e.Set("data", s.L.DataDir(name))
	e.Set("rcconf", s.L.Rcconf(name))
	e.Set("mount_fstab", "0")
	return e
}

// VMCreate makes a new VM: directories, the first disk (dsk1.vhd, sparse,
// imgsize bytes or 10g/512m), the inventory rows (jails + bhyve) and the
// descriptor. Nothing is left behind when a step fails.
func (s *Service) VMCreate(ctx context.Context, args map[string]string) (*env.Env, error) {
	name := args["jname"]
	if err := env.ValidateName(name); err != nil {
		return nil, err
	}
	e := s.vmDefaults(name)
	for k, v := range args {
		if k == "jname" {
			continue
		}
		if env.IsColumn(k) || env.IsVMColumn(k) {
			e.Set(k, v)
		}
	}
	if e.Emulator() == "qemu" {
		e.Set("emulator", "bhyve") // accepted alias
	}
	if err := s.validateVM(e); err != nil {
		return nil, err
	}
	ol, err := s.opLock(ctx, name)
	if err != nil {
		return nil, err
	}
	defer ol.Release()
	if err := s.ensureUnregistered(ctx, name, "already exist"); err != nil {
		return nil, err
	}
	data, sysDir := dataDir(s.L, e), s.L.SysDir(name)
	for _, p := range []string{data, sysDir} {
		if exists(p) && !emptyDir(p) {
			return nil, fmt.Errorf("%s already exists (left from an unregistered VM?): %w", p, errdefs.ErrExists)
		}
	}
	r := revert.New()
	defer r.Fail()
	if err := os.MkdirAll(sysDir, 0o755); err != nil {
		return nil, err
	}
	r.Add(func() { removeTree(sysDir) })
	log := s.hookLog(name)
	defer log.Close()
	if hook.Enabled(e.Get("mnt_start")) {
		if err := os.MkdirAll(data, 0o755); err != nil {
			return nil, err
		}
		r.Add(func() { removeTree(data) })
		if err := s.mountHook(ctx, e, "mnt_start", log); err != nil {
			return nil, fmt.Errorf("bcreate %s: %w", name, err)
		}
		r.Add(func() { s.mntStop(context.Background(), e, log) })
	} else {
		if err := s.backend().Create(ctx, data); err != nil {
			return nil, err
		}
		r.Add(func() { s.destroyData(context.Background(), data) })
	}
	for _, d := range hook.Dirs {
		os.MkdirAll(filepath.Join(sysDir, d), 0o755)
	}
	if size := e.Get("imgsize"); size != "0" && size != "" {
		n, err := qemu.ParseSize(size)
		if err != nil {
			return nil, fmt.Errorf("imgsize=%w: %w", err, errdefs.ErrInvalid)
		}
		disk := filepath.Join(data, "dsk1.vhd")
		if !exists(disk) {
			f, err := os.OpenFile(disk, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return nil, err
			}
			err = f.Truncate(n)
			f.Close()
			if err != nil {
				return nil, err
			}
		}
	}
	if n := nicCount(e); n > 0 {
		e.Set("nic_hwaddr", fillMACs(e.Get("nic_hwaddr"), n, false))
	}
	e.Set("state_time", fmt.Sprint(time.Now().Unix()))
	if err := s.Store.Insert(ctx, e); err != nil {
		return nil, err
	}
	r.Add(func() { s.Store.Delete(context.Background(), name) })
	var b bytes.Buffer
	if err := env.WriteDescriptor(&b, e, ""); err != nil {
		return nil, err
	}
	if err := workdir.WriteFileAtomic(s.L.SysRcconf(name), b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	r.Success()
	return e, nil
}

func (s *Service) validateVM(e *env.Env) error {
	if _, err := qemu.ParseRAM(e.Get("vm_ram")); err != nil {
		return fmt.Errorf("%v: %w", err, errdefs.ErrInvalid)
	}
	if n, err := strconv.Atoi(e.Get("vm_cpus")); err != nil || n < 1 || n > 256 {
		return fmt.Errorf("vm_cpus=%q: want 1 to 256: %w", e.Get("vm_cpus"), errdefs.ErrInvalid)
	}
	if v := e.Get("imgsize"); v != "0" && v != "" {
		if _, err := qemu.ParseSize(v); err != nil {
			return fmt.Errorf("imgsize=%v: %w", err, errdefs.ErrInvalid)
		}
	}
	if _, err := qemu.Accel(e.Get("vm_accel")); err != nil {
		return fmt.Errorf("%v: %w", err, errdefs.ErrInvalid)
	}
	for _, k := range []string{"vm_kernel", "vm_initrd", "vm_iso_path"} {
		if v := e.Get(k); v != "0" && v != "" {
			if _, err := os.Stat(v); err != nil {
				return fmt.Errorf("%s=%s: %w", k, v, errdefs.ErrNotFound)
			}
		}
	}
	for _, k := range []string{"mnt_start", "mnt_stop"} {
		if err := hook.CheckScript(k, e.Get(k)); err != nil {
			return err
		}
	}
	if v := e.Get("ci_ip4_addr"); e.IsSet("ci_ip4_addr") && !strings.EqualFold(v, "DHCP") {
		if _, err := netip.ParsePrefix(v); err != nil {
			return fmt.Errorf("ci_ip4_addr=%q: want address/prefix or DHCP: %w", v, errdefs.ErrInvalid)
		}
	}
	if v := e.Get("ci_gw4"); e.IsSet("ci_gw4") {
		if _, err := netip.ParseAddr(v); err != nil {
			return fmt.Errorf("ci_gw4=%q: want an address: %w", v, errdefs.ErrInvalid)
		}
	}
	if v := e.Get("hard_timeout"); strings.Trim(v, "0123456789") != "" {
		return fmt.Errorf("hard_timeout=%q: want seconds: %w", v, errdefs.ErrInvalid)
	}
	return nil
}

func hashName(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

func (s *Service) loadVM(ctx context.Context, name string) (*env.Env, func(), error) {
	if err := env.ValidateName(name); err != nil {
		return nil, nil, err
	}
	ol, e, err := s.lockAndLoad(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if e.Emulator() != "bhyve" {
		ol.Release()
		return nil, nil, fmt.Errorf("%s is a %s environment, not a VM: %w", name, e.Emulator(), errdefs.ErrInvalid)
	}
	return e, ol.Release, nil
}

// VMStart starts one VM: mnt_start (no -f), then the hypervisor (QEMU or
// bhyve) under its supervisor.
func (s *Service) VMStart(ctx context.Context, name string) (int, error) {
	e, release, err := s.loadVM(ctx, name)
	if err != nil {
		return 0, err
	}
	defer release()
	switch e.Status() {
	case env.StatusSlave, env.StatusMaintenance:
		return 0, fmt.Errorf("VM %s is in %s mode: %w", name, strings.ToLower(env.StatusName(e.Status())), errdefs.ErrBusy)
	}
	if st := s.State(ctx, e); st.Running {
		return st.Pid, fmt.Errorf("VM %s already running, pid: %d: %w", name, st.Pid, errdefs.ErrRunning)
	}
	log := s.hookLog(name)
	defer log.Close()
	if err := s.mountHook(ctx, e, "mnt_start", log); err != nil {
		return 0, fmt.Errorf("VM %s: %w", name, err)
	}
	pid, warning, err := s.vms().Start(ctx, e)
	if err == nil {
		if warning != "" {
			s.printf("bstart: %s: warning: %s\n", name, warning)
		}
		s.Store.Set(ctx, name, map[string]string{"jid": fmt.Sprint(pid), "status": "1",
			"state_time": fmt.Sprint(time.Now().Unix())})
		return pid, nil
	}
	s.mntStop(context.Background(), e, log)
	return 0, fmt.Errorf("VM %s: start failed: %w", name, err)
}

// VMStop powers a VM down over ACPI, forced after hard_timeout seconds.
func (s *Service) VMStop(ctx context.Context, name string) error {
	e, release, err := s.loadVM(ctx, name)
	if err != nil {
		return err
	}
	defer release()
	if st := s.State(ctx, e); !st.Running {
		s.markOff(ctx, e)
		return fmt.Errorf("VM %s: Not Running: %w", name, errdefs.ErrNotRunning)
	}
	grace := time.Duration(e.Int("hard_timeout")) * time.Second
	if grace <= 0 {
		grace = 30 * time.Second
	}
	if err := s.vms().Stop(ctx, name, grace); err != nil && !errors.Is(err, errdefs.ErrNotRunning) {
		return err
	}
	s.markOff(ctx, e)
	log := s.hookLog(name)
	s.mntStop(ctx, e, log)
	log.Close()
	return nil
}

// VMRemove destroys a VM: stop, mnt_stop, disks and files, then the rows.
func (s *Service) VMRemove(ctx context.Context, name string) error {
	e, release, err := s.loadVM(ctx, name)
	if err != nil {
		return err
	}
	if e.Bool("protected") {
		release()
		return fmt.Errorf("VM %s is protected (protected=1): %w", name, errdefs.ErrProtected)
	}
	running := s.State(ctx, e).Running
	release()
	if running {
		if err := s.VMStop(ctx, name); err != nil && !errors.Is(err, errdefs.ErrNotRunning) {
			return err
		}
	}
	ol, err := s.opLock(ctx, name)
	if err != nil {
		return err
	}
	defer ol.Release()
	if hook.Enabled(e.Get("mnt_stop")) {
		log := s.hookLog(name)
		s.mntStop(ctx, e, log)
		log.Close()
	}
	if err := s.removeFiles(name, dataDir(s.L, e)); err != nil {
		return err
	}
	os.RemoveAll(s.vmRunDir(name))
	os.Remove(s.VMConsoleLog(name))
	return s.Store.Delete(ctx, name)
}

// VMArgv is the hypervisor command line bstart would run (bstart dryrun=1).
func (s *Service) VMArgv(ctx context.Context, name string) ([]string, error) {
	e, release, err := s.loadVM(ctx, name)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.vms().Argv(e)
}

// cloudInit reports whether a VM asks for a cloud-init seed.
func cloudInit(e *env.Env) bool {
	return e.IsSet("ci_user_pubkey") || e.IsSet("ci_ip4_addr")
}

// writeSeed writes the VM's NoCloud seed ISO (jails-system/<J>/seed.iso).
func (s *Service) writeSeed(e *env.Env, file, mac string) error {
	seed := cloudinit.Seed{InstanceID: e.Name() + "-" + e.Get("state_time"), Hostname: e.Get("host_hostname")}
	if k := e.Get("ci_user_pubkey"); e.IsSet("ci_user_pubkey") {
		if b, err := os.ReadFile(k); err == nil {
			k = strings.TrimSpace(string(b))
		}
		seed.PubKeys = []string{k}
	}
	if e.IsSet("ci_ip4_addr") && !strings.EqualFold(e.Get("ci_ip4_addr"), "DHCP") {
		seed.IP4 = e.Get("ci_ip4_addr")
		if e.IsSet("ci_gw4") {
			seed.GW4 = e.Get("ci_gw4")
		}
	}
	if ns := s.NodeSetting("jnameserver", ""); ns != "" {
		for _, n := range strings.Split(ns, ",") {
			if a, err := netip.ParseAddr(strings.TrimSpace(n)); err == nil && a.Is4() {
				seed.Nameservers = append(seed.Nameservers, a.String())
			}
		}
	}
	seed.MAC = mac
	if err := seed.Write(file); err != nil {
		return fmt.Errorf("cloud-init seed: %w", err)
	}
	return nil
}

// VMClone copies a stopped VM under a new name: disks through the storage
// backend (O(1) on btrfs and ZFS), a new MAC address, rows and descriptor.
func (s *Service) VMClone(ctx context.Context, oldName, newName string) (*env.Env, error) {
	if err := env.ValidateName(newName); err != nil {
		return nil, err
	}
	old, release, err := s.loadVM(ctx, oldName)
	if err != nil {
		return nil, err
	}
	defer release()
	if s.State(ctx, old).Running {
		return nil, fmt.Errorf("VM %s is running: stop it first: %w", oldName, errdefs.ErrRunning)
	}
	nl, err := s.opLock(ctx, newName)
	if err != nil {
		return nil, err
	}
	defer nl.Release()
	if err := s.ensureUnregistered(ctx, newName, "already exist"); err != nil {
		return nil, err
	}
	newData, newSys := s.L.DataDir(newName), s.L.SysDir(newName)
	for _, p := range []string{newData, newSys} {
		if exists(p) {
			return nil, fmt.Errorf("%s already exists: %w", p, errdefs.ErrExists)
		}
	}
	e := old.Clone()
	for k, v := range map[string]string{"jname": newName, "jid": "0", "status": "0", "host_hostname": newName,
		"path": s.L.JailPath(newName), "data": newData, "rcconf": s.L.Rcconf(newName)} {
		e.Set(k, v)
	}
	if n := nicCount(e); n > 0 {
		e.Set("nic_hwaddr", fillMACs("", n, true))
	}
	r := revert.New()
	defer r.Fail()
	b := s.backend()
	if err := b.Clone(ctx, dataDir(s.L, old), newData); err != nil {
		return nil, fmt.Errorf("bclone: disks (%s backend): %w", b.Name(), err)
	}
	r.Add(func() { s.destroyData(context.Background(), newData) })
	if err := os.MkdirAll(newSys, 0o755); err != nil {
		return nil, err
	}
	r.Add(func() { removeTree(newSys) })
	for _, d := range hook.Dirs {
		os.MkdirAll(filepath.Join(newSys, d), 0o755)
	}
	if err := s.Store.Insert(ctx, e); err != nil {
		return nil, err
	}
	r.Add(func() { s.Store.Delete(context.Background(), newName) })
	var buf bytes.Buffer
	if err := env.WriteDescriptor(&buf, e, ""); err != nil {
		return nil, err
	}
	if err := workdir.WriteFileAtomic(s.L.SysRcconf(newName), buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	r.Success()
	return e, nil
}
