// Package storage manages environments' data directories behind one small
// interface, with a backend per kind of filesystem: plain directories (the
// default; clones are copies), btrfs (a subvolume per environment; clones
// and snapshots are O(1) snapshots) and ZFS (a dataset per environment;
// clones from snapshots). Backends never touch the inventory.
package storage

import (
	"context"
	"fmt"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Backend manages data directories.
//
// Create makes an empty data directory at path; Clone makes dst a copy of
// src (instant where the filesystem allows); Snapshot keeps a read-only
// point-in-time copy of path named name; Destroy removes path and what the
// backend made for it.
type Backend interface {
	Name() string
	Create(ctx context.Context, path string) error
	Clone(ctx context.Context, src, dst string) error
	Snapshot(ctx context.Context, path, name string) error
	Destroy(ctx context.Context, path string) error
}

// Runner runs external commands (sys.CmdRunner).
type Runner = sys.CmdRunner

// Select picks the backend for a directory: ZFS when zfsfeat is on, btrfs
// when the directory lives on btrfs, plain directories otherwise.
func Select(run Runner, dir string, zfsfeat bool) Backend {
	switch {
	case zfsfeat:
		return &ZFS{Run: run}
	case IsBtrfs(dir):
		return &Btrfs{Run: run}
	}
	return &Dir{Run: run}
}

func notSupported(b Backend, op string) error {
	return fmt.Errorf("%s: %s is not supported by the %s backend (use btrfs or ZFS): %w", op, op, b.Name(), errdefs.ErrNotSupported)
}
