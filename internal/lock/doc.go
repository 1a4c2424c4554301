// Package lock serialises operations on one environment (a per-environment
// flock(2) in W/var/run/lock) and implements the ownership lock, the
// jails-system/<J>/locked file that names the node running an environment,
// held with an open-file-description lock on Linux and a POSIX lock on
// FreeBSD (both are forwarded by NFSv4 and the cluster filesystems).
package lock
