package oci

import (
	"path/filepath"
	"time"

	"github.com/cbsdgo/cbsd/internal/runtime"
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
}

func ctlDir(runDir string) string { return filepath.Join(runDir, ctlDirName) }
