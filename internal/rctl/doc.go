// Package rctl holds an environment's resource limits under CBSD's RACCT
// names (share/rctl.conf: memoryuse, maxproc, pcpu, ...). Limits live in
// jails-system/<J>/rctl.conf as name="value" lines; FreeBSD applies them
// with rctl(8) "deny" rules when the jail starts.
package rctl
