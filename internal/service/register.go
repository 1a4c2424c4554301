package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/hook"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// UnregisterRequest is what junregister was given for one environment.
type UnregisterRequest struct {
	Name   string
	Rcfile string // where to write the descriptor (default W/jails-rcconf/rc.conf_<J>)
}

// Unregister removes an environment from the inventory without touching
// its data: the descriptor goes to jails-rcconf with the workdir replaced
// by CBSDROOT, fstab and fstab.local are converted the same way, the row is
// deleted and mnt_stop runs, so another node can jregister it.
func (s *Service) Unregister(ctx context.Context, req UnregisterRequest) error {
	name := req.Name
	if err := env.ValidateName(name); err != nil {
		return err
	}
	ol, err := s.opLock(ctx, name)
	if err != nil {
		return err
	}
	defer ol.Release()
	e, err := s.Store.Get(ctx, name)
	if errors.Is(err, errdefs.ErrNotFound) {
		if exists(s.L.Rcconf(name)) {
			return fmt.Errorf("Already unregistered: %s: %w", name, errdefs.ErrNotFound)
		}
		return notFound(name)
	} else if err != nil {
		return err
	}
	if st := s.State(ctx, e); st.Running {
		return fmt.Errorf("Jail is active. Please stop them first: %s: %w", name, errdefs.ErrRunning)
	}
	if err := s.Driver.Cleanup(ctx, name, s.L.RunDir(name)); err != nil {
		return err
	}
	log := s.hookLog(name)
	defer log.Close()
	// The per-environment files may live on storage that mnt_start mounts.
	if err := s.mountHook(ctx, e, "mnt_start", log); err != nil {
		return fmt.Errorf("junregister %s: %w", name, err)
	}
	defer s.mntStop(ctx, e, log)
	rc := req.Rcfile
	if rc == "" {
		rc = s.L.Rcconf(name)
	}
	if err := os.MkdirAll(filepath.Dir(rc), 0o755); err != nil {
		return err
	}
	e.Set("jid", "0")
	if e.Status() == env.StatusOn {
		e.Set("status", "0")
	}
	var b bytes.Buffer
	if err := env.WriteDescriptor(&b, e, s.L.W); err != nil {
		return err
	}
	// status and state_time are not JARG keys; keep them so the row comes
	// back identical (and a slave/maintenance mode survives).
	b.WriteString("status=" + env.Quote(e.Get("status")) + "\n")
	b.WriteString("state_time=" + env.Quote(e.Get("state_time")) + "\n")
	if err := workdir.WriteFileAtomic(rc, b.Bytes(), 0o644); err != nil {
		return err
	}
	file := e.Get("mount_fstab")
	if !hook.Enabled(file) {
		file = s.L.Fstab(name)
	}
	for _, f := range []string{file, file + ".local"} {
		if err := rewriteFile(f, func(line string) string { return env.ToPlaceholder(line, s.L.W) }); err != nil {
			os.Remove(rc)
			return err
		}
	}
	if err := s.Store.Delete(ctx, name); err != nil {
		os.Remove(rc)
		return err
	}
	return nil
}

// RegisterRequest is what jregister was given for one environment.
type RegisterRequest struct {
	Name     string // from jname= (or the rc.conf_<J> file name for masks)
	Rcfile   string // descriptor to read (default W/jails-rcconf/rc.conf_<J>)
	MntStart string // mnt_start= override ("" = from the descriptor)
}

// Register adds an environment from its descriptor: CBSDROOT becomes this
// workdir, mnt_start runs before any per-environment file is read (the hook
// may be what makes them visible), the row is inserted with jid/status from
// the live runtime, fstabs are converted back and the descriptor moves into
// jails-system/<J>/. A name that is already registered is an error.
func (s *Service) Register(ctx context.Context, req RegisterRequest) (*env.Env, error) {
	rc := req.Rcfile
	if rc == "" {
		if err := env.ValidateName(req.Name); err != nil {
			return nil, err
		}
		rc = s.L.Rcconf(req.Name)
	}
	raw, err := os.ReadFile(rc)
	if err != nil {
		return nil, fmt.Errorf("no rcconf %s file for jail: %w", rc, errdefs.ErrNotFound)
	}
	e, extra, err := env.ReadDescriptor(bytes.NewReader(raw), s.L.W)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rc, err)
	}
	name := e.Name()
	if err := env.ValidateName(name); err != nil {
		return nil, err
	}
	for _, k := range []string{"status", "state_time"} {
		if v, ok := extra[k]; ok {
			e.Set(k, v)
		}
	}
	if req.MntStart != "" {
		e.Set("mnt_start", req.MntStart)
	}
	for _, k := range []string{"mnt_start", "mnt_stop"} {
		if err := hook.CheckScript(k, e.Get(k)); err != nil {
			return nil, err
		}
	}
	ol, err := s.opLock(ctx, name)
	if err != nil {
		return nil, err
	}
	defer ol.Release()
	if err := s.ensureUnregistered(ctx, name, "is already registered"); err != nil {
		return nil, err
	}
	// Canonical paths of this node (a descriptor from another workdir that
	// was not written with CBSDROOT still lands here).
	e.Set("path", s.L.JailPath(name))
	if !strings.HasPrefix(e.Get("data"), s.L.W+"/") {
		e.Set("data", s.L.DataDir(name))
	}
	if e.Emulator() != "bhyve" {
		e.Set("mount_fstab", s.L.Fstab(name))
	}
	e.Set("rcconf", s.L.Rcconf(name))
	log := s.hookLog(name)
	defer log.Close()
	if err := s.mountHook(ctx, e, "mnt_start", log); err != nil {
		return nil, fmt.Errorf("jregister %s: %w", name, err)
	}
	st := s.State(ctx, e)
	e.Set("jid", "0")
	if st.Running {
		e.Set("jid", fmt.Sprint(st.Pid))
		e.Set("status", "1")
	} else if e.Status() == env.StatusOn {
		e.Set("status", "0")
	}
	for _, f := range []string{s.L.Fstab(name), s.L.Fstab(name) + ".local"} {
		if err := rewriteFile(f, func(line string) string { return env.FromPlaceholder(line, s.L.W) }); err != nil {
			s.mntStop(ctx, e, log)
			return nil, err
		}
	}
	if err := s.Store.Insert(ctx, e); err != nil {
		s.mntStop(ctx, e, log)
		return nil, err
	}
	if err := os.MkdirAll(s.L.SysDir(name), 0o755); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := env.WriteDescriptor(&b, e, ""); err != nil {
		return nil, err
	}
	if err := workdir.WriteFileAtomic(s.L.SysRcconf(name), b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	os.Remove(rc)
	if !st.Running {
		// Registered, not started: leave the hook's mounts as they were
		// before (the next jstart runs mnt_start again).
		s.mntStop(ctx, e, log)
	}
	return e, nil
}

// RcconfNames lists the descriptors in jails-rcconf matching a mask whose
// emulator is emulator (CBSD's jregister takes any; bregister only VMs).
func (s *Service) RcconfNames(mask, emulator string) ([]string, error) {
	ents, err := os.ReadDir(s.L.RcconfDir())
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range ents {
		n, ok := strings.CutPrefix(d.Name(), "rc.conf_")
		if !ok || d.IsDir() || !env.MatchMask(mask, n) {
			continue
		}
		if emulator != "" {
			b, err := os.ReadFile(filepath.Join(s.L.RcconfDir(), d.Name()))
			if err != nil {
				continue
			}
			e, _, err := env.ReadDescriptor(bytes.NewReader(b), s.L.W)
			if err != nil || e.Emulator() != emulator {
				continue
			}
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

// moveFile renames src to dst, copying across filesystems (jails-rcconf
// and jails-system/<J> are often different mounts of shared storage).
func moveFile(src, dst string) error {
	err := os.Rename(src, dst)
	if err == nil || !errors.Is(err, syscall.EXDEV) {
		return err
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := workdir.WriteFileAtomic(dst, b, 0o644); err != nil {
		return err
	}
	return os.Remove(src)
}

// rewriteFile applies fn to every line of a text file in place (missing
// files are fine).
func rewriteFile(path string, fn func(string) string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		lines[i] = fn(l)
	}
	out := strings.Join(lines, "\n")
	if out == string(b) {
		return nil
	}
	return workdir.WriteFileAtomic(path, []byte(out), 0o644)
}
