//go:build !linux && !freebsd

package main

import (
	"log/slog"

	"github.com/cbsdgo/cbsd/internal/runtime"
	"github.com/cbsdgo/cbsd/internal/runtime/oci"
	"github.com/cbsdgo/cbsd/internal/sys"
)

// jailDriver: other systems get the OCI driver, which reports them unsupported.
func jailDriver(setting, stateDir, self string, run *sys.Runner, log *slog.Logger) runtime.Driver {
	return &oci.Driver{Setting: setting, StateDir: stateDir, Self: self, Run: run, Log: log}
}
