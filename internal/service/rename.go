package service

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/workdir"
)

// RenameRequest is what jrename was given.
type RenameRequest struct {
	Old, New string
	Hostname string // "" = keep
	IP4      string // "" = keep, DHCP = a new address
	Restart  bool   // stop a running jail and start it again under the new name
}

// Rename gives a stopped jail (or, with Restart, a running one) a new name:
// data, system and fstab directories move, paths in the fstabs and the
// inventory follow.
func (s *Service) Rename(ctx context.Context, req RenameRequest) (*env.Env, error) {
	for _, n := range []string{req.Old, req.New} {
		if err := env.ValidateName(n); err != nil {
			return nil, err
		}
	}
	old, err := s.Store.Get(ctx, req.Old)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, notFound(req.Old)
	} else if err != nil {
		return nil, err
	}
	running := s.State(ctx, old).Running
	if running && !req.Restart {
		return nil, fmt.Errorf("jail %s is running: stop it first or give restart=1: %w", req.Old, errdefs.ErrRunning)
	}
	if running {
		if err := s.Stop(ctx, req.Old); err != nil {
			return nil, err
		}
	}
	ol, err := s.opLock(ctx, req.Old)
	if err != nil {
		return nil, err
	}
	nl, err := s.opLock(ctx, req.New)
	if err != nil {
		ol.Release()
		return nil, err
	}
	e, err := s.rename(ctx, old, req)
	nl.Release()
	ol.Release()
	if err != nil {
		return nil, err
	}
	os.Remove(s.L.OpLock(req.Old))
	if running {
		if _, err := s.Start(ctx, req.New); err != nil {
			return e, err
		}
	}
	return e, nil
}

func (s *Service) rename(ctx context.Context, old *env.Env, req RenameRequest) (*env.Env, error) {
	if _, err := s.Store.Get(ctx, req.New); err == nil {
		return nil, fmt.Errorf("jail %s already exist: %w", req.New, errdefs.ErrExists)
	}
	oldData := dataDir(s.L, old)
	moves := [][2]string{
		{oldData, s.L.DataDir(req.New)},
		{s.L.SysDir(req.Old), s.L.SysDir(req.New)},
		{s.L.FstabDir(req.Old), s.L.FstabDir(req.New)},
	}
	for _, m := range moves {
		if exists(m[1]) {
			return nil, fmt.Errorf("%s already exists: %w", m[1], errdefs.ErrExists)
		}
	}
	if err := s.Driver.Cleanup(ctx, req.Old, s.L.RunDir(req.Old)); err != nil {
		return nil, err
	}
	var done [][2]string
	undo := func() {
		for i := len(done) - 1; i >= 0; i-- {
			os.Rename(done[i][1], done[i][0])
		}
	}
	for _, m := range moves {
		if !exists(m[0]) {
			continue
		}
		if err := os.Rename(m[0], m[1]); err != nil {
			undo()
			return nil, fmt.Errorf("move %s: %w", m[0], err)
		}
		done = append(done, m)
	}
	e := old.Clone()
	e.Set("jname", req.New)
	e.Set("path", s.L.JailPath(req.New))
	e.Set("data", s.L.DataDir(req.New))
	e.Set("mount_fstab", s.L.Fstab(req.New))
	e.Set("rcconf", s.L.Rcconf(req.New))
	e.Set("jid", "0")
	if req.Hostname != "" {
		e.Set("host_hostname", req.Hostname)
	}
	if req.IP4 != "" {
		e.Set("ip4_addr", req.IP4)
		if network.HasDHCP(req.IP4) {
			pl, err := s.poolLock(ctx)
			if err != nil {
				undo()
				return nil, err
			}
			defer pl.Release()
			if err := s.allocateIP(ctx, e); err != nil {
				undo()
				return nil, err
			}
		}
	}
	for _, f := range []string{"fstab", "fstab.local"} {
		p := filepath.Join(s.L.FstabDir(req.New), f)
		rewriteFile(p, func(line string) string { return renamePaths(line, req.Old, req.New) })
	}
	err := s.Store.Update(ctx, req.Old, func(x *env.Env) error {
		for _, k := range e.Keys() {
			x.Set(k, e.Get(k))
		}
		return nil
	})
	if err != nil {
		undo()
		return nil, err
	}
	os.Remove(filepath.Join(s.L.SysDir(req.New), "rc.conf_"+req.Old))
	var b bytes.Buffer
	if err := env.WriteDescriptor(&b, e, ""); err == nil {
		workdir.WriteFileAtomic(s.L.SysRcconf(req.New), b.Bytes(), 0o644)
	}
	os.Remove(s.L.Log(req.Old))
	return e, nil
}
