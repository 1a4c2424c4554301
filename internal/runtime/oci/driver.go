package oci

import (
	"log/slog"
	"os"
	"sync"

	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// Driver runs jails under an OCI runtime.
type Driver struct {
	// StateDir is the parent of the runtimes' state directories (W/var/run).
	StateDir string
	// Self is the cbsd executable: the jails' supervisor and init when
	// this build embeds no helper.
	Self string
	Run  *sys.Runner
	Log  *slog.Logger

	mu   sync.Mutex
	warm map[string]*warmSupervisor

	helperOnce sync.Once
	helperPath string
}

// warmSupervisor is a supervisor started by Prepare that waits for its plan.
type warmSupervisor struct {
	proc   *os.Process
	report *os.File // read end of the supervisor's report pipe
	goW    *os.File // write end: "plan ready"
}

var _ runtime.Driver = (*Driver)(nil)

// Name implements runtime.Driver.
func (d *Driver) Name() string { return "oci" }
