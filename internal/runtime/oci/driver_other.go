//go:build !linux

package oci

import (
	"context"

	"github.com/cbsdgo/cbsd/internal/errdefs"
	"github.com/cbsdgo/cbsd/internal/runtime"
)

// Start is not supported on this platform.
func (d *Driver) Start(ctx context.Context, s *runtime.Spec) (runtime.State, error) {
	return runtime.State{}, errdefs.ErrNotSupported
}

// State is not supported on this platform.
func (d *Driver) State(ctx context.Context, name, runDir string) (runtime.State, error) {
	return runtime.State{}, nil
}

// Stop is not supported on this platform.
func (d *Driver) Stop(ctx context.Context, name, runDir string, opt runtime.StopOptions) error {
	return errdefs.ErrNotSupported
}

// Cleanup is not supported on this platform.
func (d *Driver) Cleanup(ctx context.Context, name, runDir string) error { return nil }

// Exec is not supported on this platform.
func (d *Driver) Exec(ctx context.Context, name, runDir string, p runtime.Process) (int, error) {
	return -1, errdefs.ErrNotSupported
}

// RunInit is not supported on this platform.
func RunInit() int { return 1 }

// RunSupervisor is not supported on this platform.
func RunSupervisor(runDir string) int { return 1 }
