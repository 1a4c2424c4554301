// Package jail plans FreeBSD jails: from an environment it renders CBSD's
// jail.conf block (spec §5.4) and the ordered steps of jstart and jstop
// (§5.3, §5.7: nullfs base, src/obj/kernel/ports, fstab and fstab.local,
// epairs, IP aliases, jail(8)) as argv lists with their undo steps. The
// logic is plain Go, golden-tested on Linux; plan.Executor runs it through the
// command runner and unwinds the steps already done when one fails.
package jail
