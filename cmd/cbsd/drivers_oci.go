//go:build !freebsd

package main

import (
	"log/slog"

	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/oci"
	"github.com/cbsdgo/cbsd/internal/runtime/qemu"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// jailDriver: on Linux jails run under an OCI runtime (elsewhere, but
// FreeBSD, the OCI driver reports the platform unsupported).
func jailDriver(stateDir, self string, run *sys.Runner, log *slog.Logger) runtime.Driver {
	return &oci.Driver{StateDir: stateDir, Self: self, Run: run, Log: log}
}

// vmSupervisor is "cbsd __vmsupervise": VMs run under QEMU here.
var vmSupervisor = qemu.RunSupervisor
