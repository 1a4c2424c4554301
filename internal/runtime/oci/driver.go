package oci

import (
	"log/slog"

	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Driver runs jails under an OCI runtime.
type Driver struct {
	// Setting is the oci_runtime node setting: auto, runc or crun.
	Setting string
	// StateDir is the parent of the runtimes' state directories (W/var/run).
	StateDir string
	// Self is the cbsd executable (supervisor and in-jail init).
	Self string
	Run  *sys.Runner
	Log  *slog.Logger
}

var _ runtime.Driver = (*Driver)(nil)

// Name implements runtime.Driver.
func (d *Driver) Name() string { return "oci" }
