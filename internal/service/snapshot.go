package service

import (
	"context"
	"fmt"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/storage"
)

// snapshotter is the node's backend when it keeps snapshots.
func (s *Service) snapshotter() (storage.Snapshotter, error) {
	b := s.backend()
	if sn, ok := b.(storage.Snapshotter); ok {
		return sn, nil
	}
	return nil, fmt.Errorf("snapshots are not supported by the %s backend (use btrfs or ZFS): %w", b.Name(), errdefs.ErrNotSupported)
}

// Snapshot takes a snapshot of an environment's data.
func (s *Service) Snapshot(ctx context.Context, name, snap string) error {
	if err := storage.ValidSnapName(snap); err != nil {
		return err
	}
	ol, e, err := s.lockAndLoad(ctx, name)
	if err != nil {
		return err
	}
	defer ol.Release()
	return s.backend().Snapshot(ctx, dataDir(s.L, e), snap)
}

// Snapshots lists an environment's snapshots, oldest first.
func (s *Service) Snapshots(ctx context.Context, name string) ([]storage.Snap, error) {
	e, err := s.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	sn, err := s.snapshotter()
	if err != nil {
		return nil, err
	}
	return sn.Snapshots(ctx, dataDir(s.L, e))
}

// DestroySnapshots destroys the named snapshots (all when snaps is nil).
func (s *Service) DestroySnapshots(ctx context.Context, name string, snaps []string) error {
	sn, err := s.snapshotter()
	if err != nil {
		return err
	}
	ol, e, err := s.lockAndLoad(ctx, name)
	if err != nil {
		return err
	}
	defer ol.Release()
	data := dataDir(s.L, e)
	if snaps == nil {
		all, err := sn.Snapshots(ctx, data)
		if err != nil {
			return err
		}
		for _, x := range all {
			snaps = append(snaps, x.Name)
		}
	}
	for _, x := range snaps {
		if err := sn.DestroySnapshot(ctx, data, x); err != nil {
			return err
		}
	}
	return nil
}

// Rollback returns a stopped environment's data to a snapshot (later
// snapshots are destroyed on ZFS, as zfs rollback -r does).
func (s *Service) Rollback(ctx context.Context, name, snap string) error {
	sn, err := s.snapshotter()
	if err != nil {
		return err
	}
	ol, e, err := s.lockAndLoad(ctx, name)
	if err != nil {
		return err
	}
	defer ol.Release()
	if s.State(ctx, e).Running {
		return fmt.Errorf("%s is running: stop it before a rollback: %w", name, errdefs.ErrRunning)
	}
	return sn.Rollback(ctx, dataDir(s.L, e), snap)
}
