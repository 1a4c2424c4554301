package service

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cbsdgo/cbsd/internal/env"
	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/hook"
)

// Remove destroys a jail: hooks, stop if running, runtime leftovers, data,
// fstab, system directory, descriptor, then the inventory row. The row goes
// last, so a removal that fails half-way can be run again.
func (s *Service) Remove(ctx context.Context, name string) error {
	if err := env.ValidateName(name); err != nil {
		return err
	}
	e, err := s.Store.Get(ctx, name)
	if errors.Is(err, errdefs.ErrNotFound) {
		// Unregistered leftovers: files only.
		if exists(s.L.Rcconf(name)) || exists(s.L.SysRcconf(name)) {
			return s.removeFiles(name, s.L.DataDir(name))
		}
		return notFound(name)
	} else if err != nil {
		return err
	}
	if e.Bool("protected") {
		return fmt.Errorf("jail %s is protected (protected=1); unset it first: cbsd jset jname=%s protected=0: %w", name, name, errdefs.ErrProtected)
	}
	log := s.hookLog(name)
	s.runHooks(ctx, e, "remove.d", log)
	log.Close()
	if st := s.State(ctx, e); st.Running {
		if err := s.Stop(ctx, name); err != nil && !errors.Is(err, errdefs.ErrNotRunning) {
			return err
		}
	}
	ol, err := s.opLock(ctx, name)
	if err != nil {
		return err
	}
	defer ol.Release()
	if err := s.Driver.Cleanup(ctx, name, s.L.RunDir(name)); err != nil {
		return err
	}
	if hook.Enabled(e.Get("mnt_stop")) {
		// The hook owns the data mount: unmount it; the data itself stays
		// on the shared storage (it may be registered on another node).
		log := s.hookLog(name)
		s.mntStop(ctx, e, log)
		log.Close()
	}
	// The row goes while the files are removed (the commit waits on the
	// disk, the removal on the filesystem); it comes back if they cannot
	// all be removed, so that jremove can be run again.
	deleted := make(chan error, 1)
	go func() { deleted <- s.Store.Delete(ctx, name) }()
	ferr := s.removeFiles(name, dataDir(s.L, e))
	derr := <-deleted
	if ferr != nil {
		if derr == nil {
			s.Store.Insert(context.Background(), e)
		}
		return ferr
	}
	if derr != nil && !errors.Is(derr, errdefs.ErrNotFound) {
		return derr
	}
	os.Remove(s.L.OpLock(name))
	return nil
}

func (s *Service) removeFiles(name, data string) error {
	trees := []string{data, s.L.FstabDir(name), s.L.SysDir(name), s.L.RunDir(name)}
	err := inParallel(len(trees), func(i int) error {
		var err error
		if i == 0 {
			err = s.destroyData(context.Background(), trees[i])
		} else {
			err = removeTree(trees[i])
		}
		if err != nil {
			return fmt.Errorf("remove %s: %w", trees[i], err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range []string{s.L.Rcconf(name), s.L.Log(name), s.L.Path("var", "log", name+".hooks.log")} {
		os.Remove(p)
	}
	os.Remove(s.L.JailPath(name))
	return nil
}
