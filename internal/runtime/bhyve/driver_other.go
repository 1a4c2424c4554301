//go:build !freebsd

package bhyve

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/cbsdgo/cbsd/internal/errdefs"
)

// Start is not supported on this platform (bhyve is FreeBSD's).
func (d *Driver) Start(ctx context.Context, s *Spec) (State, error) {
	return State{}, errdefs.ErrNotSupported
}

// State is not supported on this platform.
func (d *Driver) State(runDir string) State { return State{} }

// Stop is not supported on this platform.
func (d *Driver) Stop(ctx context.Context, name, runDir string, grace time.Duration) error {
	return errdefs.ErrNotSupported
}

// Console is not supported on this platform.
func (d *Driver) Console(ctx context.Context, dev string, in *os.File, out io.Writer) error {
	return errdefs.ErrNotSupported
}

// RunSupervisor is not supported on this platform.
func RunSupervisor(runDir string) int { return 1 }
