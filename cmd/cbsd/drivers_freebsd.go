package main

import (
	"log/slog"

	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/bhyve"
	"github.com/cbsdgo/cbsd/internal/runtime/jail"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// jailDriver: on FreeBSD jails run under jail(8).
func jailDriver(stateDir, self string, run *sys.Runner, log *slog.Logger) runtime.Driver {
	return &jail.Driver{Run: run, Self: self, Spawn: run}
}

// vmSupervisor is "cbsd __vmsupervise": VMs run under bhyve(8) on FreeBSD.
var vmSupervisor = bhyve.RunSupervisor
