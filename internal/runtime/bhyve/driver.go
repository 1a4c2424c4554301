package bhyve

import (
	"log/slog"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// Spec is what starting a VM needs; Start stores it in the run directory
// for the supervisor.
type Spec struct {
	VM         VM            `json:"vm"`
	RunDir     string        `json:"run_dir"` // supervisor state (W/var/run/vm/<J>)
	Log        string        `json:"log"`     // supervisor and bhyve messages
	OwnerFile  string        `json:"owner"`
	OwnerStale time.Duration `json:"owner_stale"`
	Node       string        `json:"node"`
	// OnReboot, OnPoweroff and OnCrash are CBSD's on_reboot, on_poweroff
	// and on_crash: what happens when bhyve exits by itself (see Next).
	OnReboot   string `json:"on_reboot"`
	OnPoweroff string `json:"on_poweroff"`
	OnCrash    string `json:"on_crash"`
}

// Driver runs VMs under bhyve(8) on FreeBSD: Start spawns a supervisor
// ("<Self> __vmsupervise <rundir>", RunSupervisor) that prepares the host,
// runs bhyve in the foreground, restarts it per on_reboot/on_poweroff/
// on_crash and cleans up; Stop asks the guest to power off over ACPI and
// forces it after a grace period. Elsewhere every method reports
// errdefs.ErrNotSupported.
type Driver struct {
	Self string // the cbsd executable (the supervisor)
	Run  *sys.Runner
	Log  *slog.Logger
}

func (d *Driver) logger() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}

// State is the truth about a VM.
type State struct {
	Running bool
	Pid     int // bhyve's
	Warning string
}

// state is the supervisor's record of the bhyve it runs.
type state struct {
	Name       string `json:"name"`
	Pid        int    `json:"pid"`
	Supervisor int    `json:"supervisor"`
}

// Files in a VM's run directory.
const (
	planFile  = "plan.json"  // the Spec
	stateFile = "state.json" // state
	// stopFile marks a stop in progress: bhyve's exit then ends the VM
	// whatever the policies say (bhyverun.sh's bhyvestop.<J>.lock).
	stopFile = "stop"
)
