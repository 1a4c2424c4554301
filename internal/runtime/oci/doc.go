// Package oci runs Linux jails under an OCI runtime (runc or crun).
//
// Start writes an OCI bundle in W/var/run/oci/<J>, then leaves behind one
// small supervisor process (cbsd __supervise, a child subreaper in the
// conmon/containerd-shim mould) that runs "<runtime> run -d", wires the
// jail's network, waits for the jail's init to exit, records the exit
// status and cleans up. The jail's init is cbsd itself (cbsd __init,
// bind-mounted read-only at /dev/.cbsd/cbsd): it runs exec_start, reaps
// orphans, runs exec_stop on shutdown and serves jexec/jlogin requests on
// a unix socket, so running a command in a jail costs one fork inside it
// instead of a runtime process. The ownership lock descriptor is handed
// down to init, so the lock is held exactly as long as the jail lives.
package oci
