package oci

import (
	"encoding/json"
	"path/filepath"
	"time"

	"github.com/cbsdgo/cbsd/internal/network"
	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/ctl"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Files in a jail's run directory (W/var/run/oci/<J>).
const (
	planFile    = "plan.json"
	stateFile   = "state.json"
	exitFile    = "exit"
	pidFile     = "init.pid"
	rtLogFile   = "runtime.log"
	supSockName = "sup.sock"
	ctlDirName  = "ctl"
)

// plan is what jstart hands to the supervisor.
type plan struct {
	Spec    runtime.Spec `json:"spec"`
	Runtime Runtime      `json:"runtime"`
	ID      string       `json:"id"`
}

// state is what the supervisor records while a jail runs.
type state struct {
	Pid        int       `json:"pid"`
	PidStart   uint64    `json:"pid_start"`
	Supervisor int       `json:"supervisor"`
	Started    time.Time `json:"started"`
	Runtime    Runtime   `json:"runtime"`
	ID         string    `json:"id"`
	// Aliases are the host addresses the supervisor added for the jail.
	Aliases []network.Alias `json:"aliases,omitempty"`
}

func ctlDir(runDir string) string { return filepath.Join(runDir, ctlDirName) }

// warmEncoders has encoding/json build its encoders for the bundle config
// and the plan, and its decoder for the supervisor's reports. It builds
// them for a type's whole tree on first use, which for the OCI spec takes
// over half a millisecond: a start does it on the side while it reads the
// inventory.
func warmEncoders() {
	json.Marshal(specs.Spec{})
	json.Marshal(plan{})
	json.Unmarshal([]byte(`{"pid":1}`), &ctl.Report{})
}

// warmDecoders does the same for decoding the plan and encoding the
// reports, in the supervisor while it waits for the plan.
func warmDecoders() {
	if b, err := json.Marshal(plan{}); err == nil {
		json.Unmarshal(b, &plan{})
	}
	json.Marshal(ctl.Report{})
}
