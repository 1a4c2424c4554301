// Package bhyve runs VMs with FreeBSD's bhyve(8) from CBSD's bhyve
// settings (spec §8): FromEnv reads them into a VM, whose Argv is the
// command line of CBSD's bhyverun.sh with CBSD's PCI slot layout;
// StartPlan and StopPlan are the host steps around it (stale vmm
// instance, kernel modules, taps on bridges) as argv lists with their undo
// steps; Next is the restart decision for bhyve's exit status. All of that
// is plain Go, golden-tested on any platform. On FreeBSD, Driver starts a
// supervisor (RunSupervisor) that runs the plans through the command
// runner and bhyve in the foreground; elsewhere the Driver reports
// errdefs.ErrNotSupported.
package bhyve
