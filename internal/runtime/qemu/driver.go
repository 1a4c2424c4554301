package qemu

import (
	"log/slog"
	"time"

	"github.com/cbsdgo/cbsd/internal/sys"
)

// Spec is what starting a VM needs.
type Spec struct {
	VM         VM            `json:"vm"`
	RunDir     string        `json:"run_dir"` // supervisor state (W/var/run/vm/<J>)
	Log        string        `json:"log"`     // supervisor and QEMU messages
	OwnerFile  string        `json:"owner"`
	OwnerStale time.Duration `json:"owner_stale"`
	Node       string        `json:"node"`
	// OnPoweroff and OnCrash are bhyve's on_poweroff/on_crash: "restart"
	// starts QEMU again when the guest powers off (exit 0) or crashes
	// (non-zero exit) by itself; anything else ends the VM.
	OnPoweroff string `json:"on_poweroff"`
	OnCrash    string `json:"on_crash"`
}

// Driver runs VMs under QEMU.
type Driver struct {
	Self string // the cbsd executable (the supervisor)
	Run  *sys.Runner
	Log  *slog.Logger
}

// State is the truth about a VM.
type State struct {
	Running bool
	Pid     int
	Warning string
}

// Files in a VM's run directory.
const (
	planFile    = "plan.json"
	stateFile   = "state.json"
	supSockName = "sup.sock"
)
